"""Pydantic models of consultations: what callers send and what the API returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from epibridge.consultations.statuses import (
    AmendmentStatus,
    ClosingOutcome,
    ConsultationStatus,
    ConvenorKind,
    DecisionStatus,
    DocumentKind,
    DocumentStatus,
    ParticipantRole,
    Procedure,
    RecordKind,
    Stance,
)
from epibridge.i18n import Language
from epibridge.inputs import MAX_ID, Id, InputModel

Texts = dict[Language, str]


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeadlineItem(_In):
    label: str = Field(min_length=1, max_length=200)
    due: AwareDatetime


class AgendaItemIn(_In):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)


class ConsultationCreate(_In):
    """A consultation convened by the chair's focal point or the Secretariat."""

    topic: str = Field(min_length=3, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    event_ids: list[Id] = Field(default_factory=list, max_length=100)
    # Member states taking part; all member states on the day when omitted.
    participants: list[str] | None = None
    observers: list[str] = Field(default_factory=list, max_length=50)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=100)
    deadlines: list[DeadlineItem] = Field(default_factory=list, max_length=50)


class ConsultationRequest(_In):
    """A member state's request that the chair convene a consultation."""

    state: str = Field(pattern=r"^[A-Za-z]{3}$")
    topic: str = Field(min_length=3, max_length=300)
    reason: str = Field(min_length=3, max_length=10_000)
    description: str | None = Field(default=None, max_length=20_000)
    event_ids: list[Id] = Field(default_factory=list, max_length=100)


class RequestResponse(_In):
    accept: bool
    reason: str | None = Field(default=None, max_length=10_000)
    participants: list[str] | None = None
    observers: list[str] = Field(default_factory=list, max_length=50)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=100)
    deadlines: list[DeadlineItem] = Field(default_factory=list, max_length=50)


class ConsultationClose(_In):
    """How the consultation ended; a reason is needed unless it ends with adopted documents."""

    outcome: ClosingOutcome
    reason: str | None = Field(default=None, max_length=10_000)


class AgendaUpdate(_In):
    items: list[AgendaItemIn] = Field(max_length=100)


class RecordEntryCreate(_In):
    kind: RecordKind = RecordKind.NOTE
    text: str = Field(min_length=1, max_length=50_000)
    state: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    agenda_position: int | None = Field(default=None, ge=1)


class DocumentCreate(_In):
    kind: DocumentKind
    title: str = Field(min_length=3, max_length=300)
    texts: Texts
    note: str | None = Field(default=None, max_length=10_000)


class VersionCreate(_In):
    """A new version; ``based_on`` must be the current one, so no one overwrites unseen work."""

    based_on: int = Field(ge=1, le=MAX_ID)
    texts: Texts
    note: str | None = Field(default=None, max_length=10_000)
    incorporates: list[Id] = Field(default_factory=list, max_length=200)


class AmendmentCreate(_In):
    state: str = Field(pattern=r"^[A-Za-z]{3}$")
    version: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=3, max_length=20_000)
    texts: Texts = Field(default_factory=dict)


class DecisionCreate(_In):
    version: int = Field(ge=1, le=MAX_ID)
    procedure: Procedure = Procedure.CONSENSUS
    deadline: AwareDatetime


class PositionCreate(_In):
    state: str = Field(pattern=r"^[A-Za-z]{3}$")
    version: int = Field(ge=1, le=MAX_ID)
    position: Stance
    reasons: str | None = Field(default=None, max_length=20_000)


class SignatureCreate(_In):
    state: str = Field(pattern=r"^[A-Za-z]{3}$")


# --- what the API returns ---------------------------------------------------------------


class ParticipantRead(BaseModel):
    state: str
    role: ParticipantRole
    has_say: bool


class AgendaItemRead(BaseModel):
    position: int
    title: str
    description: str | None


class RecordEntryRead(BaseModel):
    id: int
    at: datetime
    author: str
    state: str | None
    kind: RecordKind
    agenda_position: int | None
    text: str


class ConsultationSummary(BaseModel):
    id: int
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    topic: str
    status: ConsultationStatus
    convened_on: date
    convenor_kind: ConvenorKind | None
    convening_state: str | None
    requested_by_state: str | None
    participant_count: int
    document_count: int
    open_decisions: int
    created_at: datetime


class DocumentSummary(BaseModel):
    id: int
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    kind: DocumentKind
    title: str
    status: DocumentStatus
    current_version: int
    number: str | None


class ConsultationRead(ConsultationSummary):
    description: str | None
    convened_by: str | None
    convened_at: datetime | None
    requested_by: str | None
    request_reason: str | None
    responded_by: str | None
    response_reason: str | None
    closed_at: datetime | None
    closed_by: str | None
    closing_outcome: ClosingOutcome | None
    closing_reason: str | None
    event_ids: list[int]
    deadlines: list[DeadlineItem]
    participants: list[ParticipantRead]
    agenda: list[AgendaItemRead]
    documents: list[DocumentSummary]
    record_entries: int


class LanguageChange(BaseModel):
    """What changed in one language's text between two versions."""

    language: str
    change: Literal["added", "removed", "changed", "unchanged"]
    unified_diff: str
    words: list[WordOp]
    inserted_words: int
    deleted_words: int


class WordOp(BaseModel):
    op: Literal["equal", "insert", "delete", "replace"]
    old: str
    new: str


class VersionRead(BaseModel):
    number: int
    languages: list[str]
    texts: dict[str, str]
    note: str | None
    created_at: datetime
    created_by: str
    superseded: bool
    incorporated_amendments: list[int]
    changes: list[LanguageChange]


class DiffRead(BaseModel):
    document_id: int
    from_version: int
    to_version: int
    changes: list[LanguageChange]


class AmendmentRead(BaseModel):
    id: int
    document_id: int
    version: int
    state: str
    proposed_by: str
    on_behalf: bool
    reason: str
    texts: dict[str, str]
    status: AmendmentStatus
    incorporated_in: int | None
    created_at: datetime


class PositionRead(BaseModel):
    state: str
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    position: Stance
    reasons: str | None
    recorded_by: str
    on_behalf: bool
    recorded_at: datetime
    changes: int


class Tally(BaseModel):
    support: int
    abstain: int
    object: int
    silent: list[str]
    participation: float
    participation_required: float


class DecisionRead(BaseModel):
    id: int
    document_id: int
    version: int
    procedure: Procedure
    decision_rule: str
    deadline: datetime
    status: DecisionStatus
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    outcome: str | None
    outcome_message: dict[str, Any] | None = Field(
        default=None,
        description="The outcome as a message id and its parameters (``outcome`` is English).",
    )
    member_states: list[str]
    positions: list[PositionRead]
    tally: Tally


class SignatureRead(BaseModel):
    state: str
    origin_node: str | None = Field(
        default=None, description="The node this read-only replica came from; null: local."
    )
    signed_by: str
    signed_at: datetime


class DocumentRead(DocumentSummary):
    consultation_id: int
    adopted_at: datetime | None
    adopted_version: int | None
    languages: list[str]
    published_texts: dict[str, str]
    created_at: datetime
    created_by: str
    versions: list[int]
    decision: DecisionRead | None
    signatures: list[SignatureRead]
    unsigned: list[str]


class CloseDueResult(BaseModel):
    closed: list[DecisionRead]


LanguageChange.model_rebuild()
