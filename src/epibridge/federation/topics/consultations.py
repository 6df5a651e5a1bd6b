"""Consultations travel from their convener's node; positions and signatures from each state's.

The convener's node is authoritative for the consultation: every convener's act (convened,
a version, a decision opened, adopted or rejected, closed) sends it whole
(``consultation.snapshot``: delegations, agenda, documents with their versions and decisions)
to the nodes of its delegations, which hold it as a read-only replica. A position is authored
by its state's node (its own when it runs one, else the node holding the consultation) and
sent whole each time it is recorded or changed, a signature once; the receiver lands it on
the decision or document its reference names. The convener's node sends the snapshot again
before each position or signature it records itself, so every receiver holds the decision
first. A reference to a decision or document not held here is answered "too early" (425,
``refs.not_held``): it comes again once the snapshot has arrived.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from epibridge.consultations.models import Consultation, Document
from epibridge.consultations.service import convened_replicas, replicas
from epibridge.consultations.service.common import DOCUMENT_ENTITY, ENTITY
from epibridge.consultations.statuses import (
    ClosingOutcome,
    ConsultationStatus,
    ConvenorKind,
    DecisionStatus,
    DocumentKind,
    DocumentStatus,
    ParticipantRole,
    Procedure,
    Stance,
)
from epibridge.federation import refs
from epibridge.federation.messages import Envelope, Outgoing
from epibridge.federation.topics.assistance import Ref, applied, parse_body
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Visibility

POSITION = "consultation.position"
SIGNATURE = "consultation.signature"
SNAPSHOT = "consultation.snapshot"
#: The convener's acts (local outbox topics) after which the consultation is sent whole.
CONVENER_TOPICS = (
    "consultation.convened",
    "consultation.version_created",
    "consultation.decision_due",
    "consultation.adopted",
    "consultation.rejected",
    "consultation.closed",
)


class PositionBody(BaseModel):
    """``consultation.position``: a member state's position on a version under decision."""

    model_config = ConfigDict(extra="forbid")
    ref: Ref
    decision: Ref
    state: str = Field(min_length=3, max_length=3)
    position: Stance
    reasons: str | None = Field(default=None, max_length=20000)
    recorded_by: str = Field(max_length=200)
    on_behalf: bool
    recorded_at: datetime
    changes: int = Field(ge=0)


class SignatureBody(BaseModel):
    """``consultation.signature``: a member state's signature of an adopted document."""

    model_config = ConfigDict(extra="forbid")
    ref: Ref
    document: Ref
    state: str = Field(min_length=3, max_length=3)
    signed_by: str = Field(max_length=200)
    signed_at: datetime


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DelegationBody(_Strict):
    state: str = Field(min_length=3, max_length=3)
    role: ParticipantRole


class AgendaBody(_Strict):
    position: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)


class VersionBody(_Strict):
    number: int = Field(ge=1)
    texts: dict[str, str]
    note: str | None = Field(default=None, max_length=20000)
    created_at: datetime
    created_by: str = Field(max_length=200)


class DecisionBody(_Strict):
    ref: Ref
    version_number: int = Field(ge=1)
    procedure: Procedure
    decision_rule: str = Field(max_length=32)
    participation: float
    member_states: list[str]
    deadline: datetime
    status: DecisionStatus
    opened_at: datetime
    opened_by: str = Field(max_length=200)
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=200)
    outcome: str | None = Field(default=None, max_length=20000)
    outcome_message: dict[str, Any] | None = None


class DocumentBody(_Strict):
    ref: Ref
    kind: DocumentKind
    title: str = Field(min_length=1, max_length=300)
    status: DocumentStatus
    current_version: int = Field(ge=1)
    number: str | None = Field(default=None, max_length=40)
    adopted_at: datetime | None = None
    adopted_version: int | None = None
    created_at: datetime
    created_by: str = Field(max_length=200)
    versions: list[VersionBody] = Field(max_length=500)
    decisions: list[DecisionBody] = Field(max_length=500)


class SnapshotBody(_Strict):
    """``consultation.snapshot``: a convened consultation as it is now on its convener's node."""

    ref: Ref
    topic: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    status: ConsultationStatus
    convened_on: date
    convenor_kind: ConvenorKind | None = None
    convening_state: str | None = Field(default=None, min_length=3, max_length=3)
    convened_by: str | None = Field(default=None, max_length=200)
    convened_at: datetime | None = None
    requested_by_state: str | None = Field(default=None, min_length=3, max_length=3)
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=200)
    closing_outcome: ClosingOutcome | None = None
    closing_reason: str | None = Field(default=None, max_length=20000)
    deadlines: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    participants: list[DelegationBody] = Field(max_length=200)
    agenda: list[AgendaBody] = Field(max_length=200)
    documents: list[DocumentBody] = Field(max_length=200)


BODY_MODELS: dict[str, type[BaseModel]] = {
    POSITION: PositionBody,
    SIGNATURE: SignatureBody,
    SNAPSHOT: SnapshotBody,
}


def _out(
    session: Session, topic: str, body: dict[str, Any] | None, message: OutboxMessage
) -> list[Outgoing]:
    if body is None:
        return []
    return [
        Outgoing(
            topic=topic,
            body=refs.named(session, body),
            visibility=Visibility(message.visibility),
            states=list(message.states or []),
        )
    ]


def _consultation_of(session: Session, message: OutboxMessage) -> Consultation | None:
    if message.entity == ENTITY:
        return session.get(Consultation, int(message.entity_id))
    document = session.get(Document, int(message.entity_id))
    return session.get(Consultation, document.consultation_id) if document else None


def build_snapshot(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """The consultation whole, after each convener's act on this node (nothing for a replica)."""
    here = refs.this_node(session)
    if here is None or message.entity not in (ENTITY, DOCUMENT_ENTITY):
        return []
    consultation = _consultation_of(session, message)
    if consultation is None:
        return []
    body = convened_replicas.snapshot(session, consultation_id=consultation.id, here=here)
    return _out(session, SNAPSHOT, body, message)


def build_position(session: Session, message: OutboxMessage) -> list[Outgoing]:
    body = replicas.position_snapshot(session, position_id=int(message.payload["position_id"]))
    if body is None:
        return []
    return [*build_snapshot(session, message), *_out(session, POSITION, body, message)]


def build_signature(session: Session, message: OutboxMessage) -> list[Outgoing]:
    body = replicas.signature_snapshot(
        session, document_id=int(message.entity_id), state=str(message.payload["state"])
    )
    if body is None:
        return []
    return [*build_snapshot(session, message), *_out(session, SIGNATURE, body, message)]


def _held(session: Session, envelope: Envelope, entity: str, ref: Ref, where: str) -> int:
    """The local decision or document named; not held here is "too early" (425) while young."""
    owner = refs.owner(session, envelope, ref.model_dump())
    found = replicas.local_id(session, entity=entity, node=owner, ref_id=ref.id)
    if found is None:
        raise refs.unknown(envelope, entity.removeprefix("consultation_"), ref.model_dump(), where)
    return found


def apply_position(session: Session, envelope: Envelope) -> None:
    body: PositionBody = parse_body(PositionBody, envelope)
    decision_id = _held(session, envelope, "consultation_decision", body.decision, "body.decision")
    applied(
        envelope,
        lambda actor: replicas.upsert_position(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            decision_id=decision_id,
            values=body.model_dump(exclude={"ref", "decision"}),
        ),
    )


def apply_signature(session: Session, envelope: Envelope) -> None:
    body: SignatureBody = parse_body(SignatureBody, envelope)
    document_id = _held(session, envelope, "consultation_document", body.document, "body.document")
    applied(
        envelope,
        lambda actor: replicas.upsert_signature(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            document_id=document_id,
            values=body.model_dump(exclude={"ref", "document"}),
        ),
    )


def apply_snapshot(session: Session, envelope: Envelope) -> None:
    body: SnapshotBody = parse_body(SnapshotBody, envelope)
    for document in body.documents:
        refs.require_own(envelope, document.ref.model_dump(), "body.documents.ref")
        for decision in document.decisions:
            refs.require_own(envelope, decision.ref.model_dump(), "body.documents.decisions.ref")
    applied(
        envelope,
        lambda actor: convened_replicas.upsert_consultation(
            session,
            actor=actor,
            origin_node=envelope.origin_node,
            origin_id=body.ref.id,
            values=body.model_dump(exclude={"ref"}),
        ),
    )


BUILDERS = {
    **dict.fromkeys(CONVENER_TOPICS, build_snapshot),
    "consultation.position_recorded": build_position,
    "consultation.signed": build_signature,
}
APPLIERS = {POSITION: apply_position, SIGNATURE: apply_signature, SNAPSHOT: apply_snapshot}
