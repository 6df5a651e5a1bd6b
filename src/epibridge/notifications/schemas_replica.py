"""What another node sends about its notifications: the bodies replicas are built from.

One model per federation message body; their JSON Schemas are shipped under
``federation/body_schemas`` (generated from these models, see docs/federation-messages.md), so a
national system can check a body without reading this code. A body names records by
``{"node": origin node, "id": id there}``: a record's id is only unique on its own node.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from epibridge.notifications.schemas import Count, LanguageCode
from epibridge.notifications.statuses import VERSION_KINDS, EventMode
from epibridge.security import Visibility
from epibridge.vocabulary import choice_of

VersionKind = choice_of(*VERSION_KINDS)
ISO3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Actor = Annotated[str, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeRef(_Body):
    """A record of one node: its id there (the origin is authoritative for it)."""

    node: str = Field(min_length=1, max_length=64)
    id: int = Field(ge=1)


class EventRecord(_Body):
    """The event's values as of one version (the snapshot its CAP message was built from)."""

    state: ISO3
    mode: EventMode
    visibility: Visibility
    title: str = Field(min_length=1, max_length=300)
    disease: str = Field(min_length=1, max_length=16)
    event_type: str = Field(min_length=1, max_length=64)
    area_code: str | None = Field(default=None, max_length=16)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    onset_date: date
    detection_date: date | None = None
    suspected_cases: Count = None
    probable_cases: Count = None
    confirmed_cases: Count = None
    deaths: Count = None
    affected_states: list[str] = Field(default_factory=list, max_length=100)
    measures: str | None = Field(default=None, max_length=20000)
    description: str | None = Field(default=None, max_length=20000)
    language: LanguageCode = "en"
    translations: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    annex2_outcome: str | None = Field(default=None, max_length=32)
    risk_level: str | None = Field(default=None, max_length=16)
    close_reason: str | None = Field(default=None, max_length=20000)


class CapCopy(_Body):
    """The CAP 1.2 message of the version, as the origin exports it (served here unchanged)."""

    sender: str = Field(min_length=1, max_length=200)
    identifier: str = Field(min_length=1, max_length=200)
    sent: datetime
    msg_type: str = Field(pattern=r"^(Alert|Update|Cancel)$")
    xml: str = Field(min_length=1, max_length=2_000_000)


class EventVersionBody(_Body):
    """``notification.notified`` / ``.updated`` / ``.closed``: one version of an event."""

    event: NodeRef
    version: int = Field(ge=1)
    kind: VersionKind
    at: datetime
    actor: Actor
    on_behalf: bool = False
    reason: str | None = Field(default=None, max_length=20000)
    record: EventRecord
    #: What the version adds to the record (``decreased`` counts, ``close_kind``).
    detail: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    created_by: Actor
    notified_at: datetime
    closed_at: datetime | None = None
    annex2: dict[str, Any] | None = None
    cap: CapCopy


class AcknowledgementBody(_Body):
    """``notification.acknowledged``: a state acknowledged receipt of an event."""

    acknowledgement: NodeRef
    event: NodeRef
    state: ISO3
    at: datetime
    actor: Actor


class AssessmentBody(_Body):
    """``notification.assessed``: a rapid risk assessment by a state or the Secretariat."""

    assessment: NodeRef
    event: NodeRef
    assessor: str = Field(pattern=r"^([A-Z]{3}|secretariat)$")
    likelihood: str = Field(min_length=1, max_length=32)
    consequence: str = Field(min_length=1, max_length=32)
    level: str = Field(min_length=1, max_length=16)
    rationale: str = Field(min_length=1, max_length=20000)
    at: datetime
    actor: Actor


class VerificationRequestBody(_Body):
    """``notification.verification_requested``: a state or the Secretariat asks for one."""

    verification: NodeRef
    event: NodeRef
    requester_state: ISO3 | None
    requested_at: datetime
    requested_by: Actor
    question: str = Field(min_length=1, max_length=20000)
    due_at: datetime


class VerificationAnswerBody(_Body):
    """``notification.verification_answered``: the notifying state's answer to a request."""

    verification: NodeRef
    event: NodeRef
    answered_at: datetime
    answered_by: Actor
    on_behalf: bool = False
    verified: bool
    answer: str = Field(min_length=1, max_length=20000)
