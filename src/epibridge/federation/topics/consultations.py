"""Consultation positions and signatures travel to the nodes holding their decision/document.

A position is sent whole each time it is recorded or changed, a signature once. The receiver
lands it on the decision or document its reference names when it holds that record (its own,
or a replica); a node holding neither stores nothing, so relayed messages about consultations
it does not take part in are accepted as no-ops rather than refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from epibridge.consultations.service import replicas
from epibridge.consultations.statuses import Stance
from epibridge.errors import DomainError
from epibridge.federation import refs
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.federation.topics.assistance import Ref, parse_body
from epibridge.i18n import Text
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, Visibility

POSITION = "consultation.position"
SIGNATURE = "consultation.signature"


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


BODY_MODELS: dict[str, type[BaseModel]] = {POSITION: PositionBody, SIGNATURE: SignatureBody}


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


def build_position(session: Session, message: OutboxMessage) -> list[Outgoing]:
    body = replicas.position_snapshot(session, position_id=int(message.payload["position_id"]))
    return _out(session, POSITION, body, message)


def build_signature(session: Session, message: OutboxMessage) -> list[Outgoing]:
    body = replicas.signature_snapshot(
        session, document_id=int(message.entity_id), state=str(message.payload["state"])
    )
    return _out(session, SIGNATURE, body, message)


def _held(session: Session, envelope: Envelope, entity: str, ref: Ref) -> int | None:
    owner = refs.owner(session, envelope, ref.model_dump())
    return replicas.local_id(session, entity=entity, node=owner, ref_id=ref.id)


def _store(envelope: Envelope, store: Any) -> None:
    try:
        store(node_principal(envelope.origin_node, envelope.origin_state))
    except PermissionDenied as exc:
        raise Refused(422, exc.args[0] if exc.args else str(exc), field_name="body.state") from None
    except DomainError as exc:
        raise Refused(422, Text(exc.detail_id, exc.params), field_name="body") from None


def apply_position(session: Session, envelope: Envelope) -> None:
    body: PositionBody = parse_body(PositionBody, envelope)
    decision_id = _held(session, envelope, "consultation_decision", body.decision)
    if decision_id is None:
        return
    _store(
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
    document_id = _held(session, envelope, "consultation_document", body.document)
    if document_id is None:
        return
    _store(
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


BUILDERS = {
    "consultation.position_recorded": build_position,
    "consultation.signed": build_signature,
}
APPLIERS = {POSITION: apply_position, SIGNATURE: apply_signature}
