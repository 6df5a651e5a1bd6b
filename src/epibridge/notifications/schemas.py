"""Pydantic models of event notifications in and out (the rules live in ``service``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from epibridge.inputs import InputModel
from epibridge.notifications.risk import Consequence, Likelihood
from epibridge.notifications.statuses import (
    START_STATUSES,
    CloseKind,
    EventMode,
    EventStatus,
    WhoDetermination,
)
from epibridge.security import Visibility
from epibridge.vocabulary import choice_of

StartStatus = choice_of(*START_STATUSES)
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$", max_length=8)]
Count = Annotated[int | None, Field(ge=0, le=1_000_000_000)]


class Translation(InputModel):
    """The texts of an event in one more language (one CAP info block each)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    measures: str | None = Field(default=None, max_length=20000)


class Annex2Answers(InputModel):
    """The four IHR Annex 2 questions: true, false or null (not known yet)."""

    model_config = ConfigDict(extra="forbid")

    serious_impact: bool | None = None
    unusual: bool | None = None
    international_spread: bool | None = None
    travel_trade_restrictions: bool | None = None
    assessed_at: datetime | None = Field(
        default=None, description="When the state assessed the event (default: now)."
    )


class _EventFields(InputModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str | None = Field(default=None, min_length=1, max_length=64)
    area_code: str | None = Field(
        default=None, max_length=16, description="ISO 3166-2 subdivision of the state."
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    detection_date: date | None = None
    probable_cases: Count = None
    affected_states: list[str] | None = Field(default=None, max_length=100)
    measures: str | None = Field(default=None, max_length=20000)
    description: str | None = Field(default=None, max_length=20000)
    translations: dict[str, Translation] | None = None
    annex2: Annex2Answers | None = None


class NotificationCreate(_EventFields):
    """A new event; notified at once unless ``status`` is ``draft``."""

    title: str = Field(min_length=1, max_length=300)
    disease: str = Field(min_length=1, max_length=16, description='ICD-10 code or "unknown".')
    onset_date: date
    state: str | None = Field(default=None, description="ISO3; default: the caller's state.")
    status: StartStatus = EventStatus.NOTIFIED
    mode: EventMode = Field(
        default=EventMode.ACTUAL, description="exercise/test: a drill, never real."
    )
    visibility: Visibility = Visibility.MEMBERS
    suspected_cases: Count = None
    confirmed_cases: Count = None
    deaths: Count = None
    language: LanguageCode = "en"


class NotificationUpdate(_EventFields):
    """A follow-up: the fields that changed, the counts as of now, and why counts went down."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    disease: str | None = Field(default=None, min_length=1, max_length=16)
    onset_date: date | None = None
    visibility: Visibility | None = None
    suspected_cases: Count = None
    confirmed_cases: Count = None
    deaths: Count = None
    reason: str | None = Field(
        default=None, max_length=2000, description="Required when a count decreases."
    )


class NotificationClose(InputModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    kind: CloseKind = Field(
        default=CloseKind.ENDED,
        description="ended: the event is over (CAP Update, AllClear); withdrawn: it was "
        "notified in error or not confirmed (CAP Cancel).",
    )


class NotificationDiscard(InputModel):
    """Why a draft is not notified (kept with the discarded draft)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class VerificationCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=5000)


class VerificationAnswer(InputModel):
    model_config = ConfigDict(extra="forbid")

    verified: bool
    answer: str = Field(min_length=1, max_length=5000)


class AssessmentCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    likelihood: Likelihood
    consequence: Consequence
    rationale: str = Field(min_length=1, max_length=10000)


class CommentCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=10000)


class Counts(BaseModel):
    """An event's counts; null is "not reported" (never shown or exported as 0)."""

    suspected_cases: int | None
    probable_cases: int | None
    confirmed_cases: int | None
    deaths: int | None


#: The counts an event carries, in this order everywhere: forms, CAP parameters, e-mails.
COUNT_FIELDS: tuple[str, ...] = tuple(Counts.model_fields)


class Annex2Read(BaseModel):
    answers: dict[str, bool | None]
    outcome: str
    rule: str
    reason: str
    always_notifiable: bool
    always_assess: bool
    assessed_at: datetime | None = None
    assessed_by: str | None = None
    deadline: datetime | None = None


class AssessmentRead(BaseModel):
    id: int
    assessor: str
    likelihood: str
    consequence: str
    level: str
    rationale: str
    at: datetime
    actor: str


class RiskRead(BaseModel):
    consolidated: str | None
    secretariat: AssessmentRead | None
    assessments: list[AssessmentRead]


class VerificationRead(BaseModel):
    id: int
    requested_at: datetime
    requested_by: str
    requester_state: str | None
    question: str
    due_at: datetime
    overdue: bool
    answered_at: datetime | None
    answered_by: str | None
    verified: bool | None
    answer: str | None


class AcknowledgementsRead(BaseModel):
    acknowledged: list[dict[str, Any]]
    pending: list[str]


class NotificationSummary(BaseModel):
    """An event as lists show it."""

    id: int
    state: str
    status: EventStatus
    version: int
    mode: EventMode
    exercise: bool
    visibility: Visibility
    title: str
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="The title in each other language the event carries (ru, zh), by language.",
    )
    disease: str
    disease_name: str | None
    event_type: str
    area_code: str | None
    onset_date: date
    notified_at: datetime | None
    updated_at: datetime
    counts: Counts
    risk_level: str | None
    annex2_outcome: str | None
    notification_deadline: datetime | None
    overdue: bool
    links: dict[str, str]
    origin_node: str | None = Field(
        default=None,
        description="The node this event is a read-only replica from (null: this node's own).",
    )
    origin_id: int | None = Field(default=None, description="The event's id on its origin node.")


class WhoDeterminationRead(BaseModel):
    """WHO's determination on the event (IHR as amended in 2024); ``none`` until one is recorded."""

    determination: WhoDetermination = WhoDetermination.NONE
    determined_on: date | None = None
    ended_on: date | None = None
    source: str | None = None
    recorded_at: datetime | None = None


class NotificationRead(NotificationSummary):
    """One event with everything recorded about it."""

    latitude: float | None
    longitude: float | None
    detection_date: date | None
    affected_states: list[str]
    measures: str | None
    description: str | None
    language: str
    translations: dict[str, Any]
    created_at: datetime
    created_by: str
    on_behalf: bool
    closed_at: datetime | None
    close_reason: str | None
    annex2: Annex2Read | None
    risk: RiskRead
    acknowledgements: AcknowledgementsRead
    verifications: list[VerificationRead]
    who_determination: WhoDeterminationRead = Field(default_factory=WhoDeterminationRead)


class AcknowledgementRead(BaseModel):
    event_id: int
    state: str
    at: datetime
    actor: str


class CommentRead(BaseModel):
    id: int
    at: datetime
    actor: str
    state: str | None
    body: str


class ReminderRead(BaseModel):
    event_id: int
    reminded: list[str]


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    actor: str
    state: str | None = None
    on_behalf: bool = False
    detail: dict[str, Any] = {}


class Created(BaseModel):
    """What a create or an import answers."""

    id: int
    status: EventStatus
    version: int
    created: bool = True
    links: dict[str, str]


class VerificationDue(BaseModel):
    """An unanswered verification request with the event it is about."""

    event: NotificationSummary
    request: VerificationRead


class Situation(BaseModel):
    """What the dashboard shows an account: events active on a day and what is owed now."""

    day: date
    active: list[NotificationSummary]
    latest: list[NotificationSummary]
    owed: list[NotificationSummary]
    deadlines: list[NotificationSummary]
    verifications: list[VerificationDue]
