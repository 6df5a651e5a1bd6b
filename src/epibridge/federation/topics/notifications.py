"""Notifications between nodes: events (with their CAP 1.2), what states do with them, signals.

Built from the notifications domain's outbox messages and applied through its service
(``notifications.service.outgoing`` says what a record's body is, ``replicas`` and
``replica_records`` store one), so the rules stay in the domain. A body names records as
``{"node", "id"}``; the federation topic is the outbox topic it was built from. Bodies are
described by the JSON Schemas under ``federation/body_schemas`` (docs/federation-messages.md).
Detection signals travel only when their state shares them (``federation.sharing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from epibridge.detection.schemas import SignalBody
from epibridge.detection.service import replicas as signal_replicas
from epibridge.errors import DomainError, NotFound
from epibridge.federation import node_identity, refs
from epibridge.federation.handlers import Applier, Builder
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.i18n import Text
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas_replica import (
    AcknowledgementBody,
    AssessmentBody,
    EventVersionBody,
    VerificationAnswerBody,
    VerificationRequestBody,
)
from epibridge.notifications.service import outgoing, replica_records, replicas
from epibridge.security import PermissionDenied, Principal, Visibility

VERSION_TOPICS = ("notification.notified", "notification.updated", "notification.closed")
ACKNOWLEDGED = "notification.acknowledged"
ASSESSED = "notification.assessed"
VERIFICATION_REQUESTED = "notification.verification_requested"
VERIFICATION_ANSWERED = "notification.verification_answered"
SIGNAL_TOPICS = (
    "detection.signal_opened",
    "detection.signal_confirmed",
    "detection.signal_dismissed",
)


def _send(message: OutboxMessage, body: dict[str, Any] | None) -> list[Outgoing]:
    """One message to every node whose state may see the event (its visibility).

    Not restricted to the local message's ``states``: those are the states concerned (what a
    subscription's state filter matches), while the event, its acknowledgements, assessments
    and verifications are shown to everyone who may see the event, on every node.
    """
    if body is None:
        return []
    return [Outgoing(topic=message.topic, body=body, visibility=Visibility(message.visibility))]


def _payload(message: OutboxMessage, key: str) -> dict[str, Any]:
    payload = message.payload if isinstance(message.payload, dict) else {}
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _version(session: Session, message: OutboxMessage) -> list[Outgoing]:
    here = node_identity.this_node_id(session)
    number = _payload(message, "event").get("version")
    if here is None or not isinstance(number, int):
        return []
    return _send(
        message,
        outgoing.version_body(session, event_id=int(message.entity_id), version=number, here=here),
    )


def _acknowledged(session: Session, message: OutboxMessage) -> list[Outgoing]:
    here = node_identity.this_node_id(session)
    state = (message.payload or {}).get("acknowledged_by")
    if here is None or not isinstance(state, str):
        return []
    return _send(
        message,
        outgoing.acknowledgement_body(
            session, event_id=int(message.entity_id), state=state, here=here
        ),
    )


def _by_id(key: str, read: Callable[..., dict[str, Any] | None], name: str) -> Builder:
    def build(session: Session, message: OutboxMessage) -> list[Outgoing]:
        here = node_identity.this_node_id(session)
        record_id = _payload(message, key).get("id")
        if here is None or not isinstance(record_id, int):
            return []
        return _send(message, read(session, **{name: record_id, "here": here}))

    return build


def _shares_signals(session: Session, state: str) -> bool:
    """The state's sharing settings (feddata's ``federation.sharing``); absent: not shared."""
    try:
        from epibridge.federation import sharing
    except ImportError:
        return False
    return bool(sharing.shares_signals(session, state))


def _signal(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """A signal travels only when its state shares its signals (its latest state)."""
    here = node_identity.this_node_id(session)
    state = (message.payload or {}).get("state")
    if here is None or not isinstance(state, str) or not _shares_signals(session, state):
        return []
    return _send(
        message, signal_replicas.signal_body(session, signal_id=int(message.entity_id), here=here)
    )


Apply = Callable[..., object]


def _applier(apply: Apply) -> Applier:
    """Apply as the origin node's principal; a rule's refusal is the message's refusal."""

    def applier(session: Session, envelope: Envelope) -> None:
        actor: Principal = node_principal(envelope.origin_node, envelope.origin_state)
        try:
            apply(
                session,
                actor=actor,
                origin_node=envelope.origin_node,
                body=envelope.body,
                here=node_identity.this_node_id(session),
            )
        except NotFound as exc:  # the notification (or request) it is about is not here yet
            field = exc.errors[0].field if exc.errors else "body"
            raise refs.not_held(envelope, Text(exc.detail_id, exc.params), field) from exc
        except DomainError as exc:
            field = exc.errors[0].field if exc.errors else "body"
            raise Refused(422, Text(exc.detail_id, exc.params), field_name=field) from exc
        except PermissionDenied as exc:
            raise Refused(422, exc.args[0], field_name="origin_state") from exc

    return applier


BUILDERS: dict[str, Builder] = {
    **dict.fromkeys(VERSION_TOPICS, _version),
    ACKNOWLEDGED: _acknowledged,
    ASSESSED: _by_id("assessment", outgoing.assessment_body, "assessment_id"),
    VERIFICATION_REQUESTED: _by_id(
        "verification", outgoing.verification_request_body, "verification_id"
    ),
    VERIFICATION_ANSWERED: _by_id(
        "verification", outgoing.verification_answer_body, "verification_id"
    ),
    **dict.fromkeys(SIGNAL_TOPICS, _signal),
}

#: Each topic's body, as validated on receipt (and published under ``federation/body_schemas``).
BODY_MODELS: dict[str, type[BaseModel]] = {
    **dict.fromkeys(VERSION_TOPICS, EventVersionBody),
    ACKNOWLEDGED: AcknowledgementBody,
    ASSESSED: AssessmentBody,
    VERIFICATION_REQUESTED: VerificationRequestBody,
    VERIFICATION_ANSWERED: VerificationAnswerBody,
    **dict.fromkeys(SIGNAL_TOPICS, SignalBody),
}

APPLIERS: dict[str, Applier] = {
    **dict.fromkeys(VERSION_TOPICS, _applier(replicas.apply_version)),
    ACKNOWLEDGED: _applier(replica_records.apply_acknowledgement),
    ASSESSED: _applier(replica_records.apply_assessment),
    VERIFICATION_REQUESTED: _applier(replica_records.apply_verification_request),
    VERIFICATION_ANSWERED: _applier(replica_records.apply_verification_answer),
    **dict.fromkeys(SIGNAL_TOPICS, _applier(signal_replicas.apply_signal)),
}
