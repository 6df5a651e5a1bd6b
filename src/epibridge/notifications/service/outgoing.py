"""The bodies other nodes get about this node's notifications (``schemas_replica`` shapes).

Each function reads one committed record and returns its body, or None when the record is
not this node's to tell: a replica (its origin already told everyone; re-sending it would echo
it back) or one another node is authoritative for. ``here`` is this node's id, by which the
others name its records. A version's body is that version as it was, with its CAP message,
however much the event changed since: the exporter may run long after the write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.notifications import cap as caplib
from epibridge.notifications.models import (
    NotificationEvent,
    NotificationVersion,
    RiskAssessment,
    VerificationRequest,
)
from epibridge.notifications.schemas_replica import EventRecord
from epibridge.notifications.service import interactions, queries
from epibridge.notifications.service.cap_export import message_for
from epibridge.notifications.service.replicas import reference
from epibridge.notifications.statuses import EventStatus

_RECORD = tuple(EventRecord.model_fields)
_NOT_DETAIL = {*_RECORD, "id", "status"}


def _cap(version: NotificationVersion, earlier: list[NotificationVersion]) -> dict[str, Any]:
    xml = version.cap_xml or caplib.build_alert(message_for(version, earlier)).decode("utf-8")
    return {
        "sender": version.cap_sender,
        "identifier": version.cap_identifier,
        "sent": version.cap_sent,
        "msg_type": version.cap_msg_type,
        "xml": xml,
    }


def version_body(
    session: Session, *, event_id: int, version: int, here: str
) -> dict[str, Any] | None:
    """Version ``version`` of this node's event ``event_id``, with its CAP 1.2 XML."""
    event = session.get(NotificationEvent, event_id)
    if event is None or event.origin_node is not None:
        return None
    versions = queries.versions(session, event_id=event.id)
    found = [v for v in versions if v.version == version]
    if not found or event.notified_at is None:
        return None
    row = found[0]
    snap = row.snapshot
    return audit.json_ready(
        {
            "event": reference(event, here),
            "version": row.version,
            "kind": row.kind,
            "at": row.at,
            "actor": row.actor,
            "on_behalf": row.on_behalf,
            "reason": row.reason,
            "record": {name: snap.get(name) for name in _RECORD if name in snap},
            "detail": {k: v for k, v in snap.items() if k not in _NOT_DETAIL},
            "created_at": event.created_at,
            "created_by": event.created_by,
            "notified_at": event.notified_at,
            "closed_at": row.at if row.kind == EventStatus.CLOSED else None,
            "annex2": event.annex2,
            "cap": _cap(row, [v for v in versions if v.version < row.version]),
        }
    )


def acknowledgement_body(
    session: Session, *, event_id: int, state: str, here: str
) -> dict[str, Any] | None:
    """The acknowledgement ``state`` made on this node (of a local event or of a replica)."""
    event = session.get(NotificationEvent, event_id)
    ack = next(
        (
            a
            for a in interactions.acknowledgements(session, event_id=event_id)
            if a.state == state and a.origin_node is None
        ),
        None,
    )
    if event is None or ack is None:
        return None
    return audit.json_ready(
        {
            "acknowledgement": {"node": here, "id": ack.id},
            "event": reference(event, here),
            "state": ack.state,
            "at": ack.at,
            "actor": ack.actor,
        }
    )


def assessment_body(session: Session, *, assessment_id: int, here: str) -> dict[str, Any] | None:
    """A risk assessment made on this node."""
    row = session.get(RiskAssessment, assessment_id)
    if row is None or row.origin_node is not None:
        return None
    event = session.get(NotificationEvent, row.event_id)
    assert event is not None
    return audit.json_ready(
        {
            "assessment": {"node": here, "id": row.id},
            "event": reference(event, here),
            "assessor": row.assessor,
            "likelihood": row.likelihood,
            "consequence": row.consequence,
            "level": row.level,
            "rationale": row.rationale,
            "at": row.at,
            "actor": row.actor,
        }
    )


def verification_request_body(
    session: Session, *, verification_id: int, here: str
) -> dict[str, Any] | None:
    """A verification request made on this node."""
    row = session.get(VerificationRequest, verification_id)
    if row is None or row.origin_node is not None:
        return None
    event = session.get(NotificationEvent, row.event_id)
    assert event is not None
    return audit.json_ready(
        {
            "verification": {"node": here, "id": row.id},
            "event": reference(event, here),
            "requester_state": row.requester_state,
            "requested_at": row.requested_at,
            "requested_by": row.requested_by,
            "question": row.question,
            "due_at": row.due_at,
        }
    )


def verification_answer_body(
    session: Session, *, verification_id: int, here: str
) -> dict[str, Any] | None:
    """This node's answer to a request about its own event (wherever the request was made)."""
    row = session.get(VerificationRequest, verification_id)
    if row is None or row.answered_at is None:
        return None
    event = session.get(NotificationEvent, row.event_id)
    assert event is not None
    if event.origin_node is not None:
        return None
    return audit.json_ready(
        {
            "verification": (
                {"node": here, "id": row.id}
                if row.origin_node is None
                else {"node": row.origin_node, "id": row.origin_id}
            ),
            "event": reference(event, here),
            "answered_at": row.answered_at,
            "answered_by": row.answered_by,
            "on_behalf": row.answer_on_behalf,
            "verified": row.verified,
            "answer": row.answer,
        }
    )
