"""Read-only replicas of other nodes' events: stored from verified federation messages only.

The node a record was created on is authoritative for it; every other node keeps a replica
marked with ``origin_node``/``origin_id``. A replica changes only here, applied as the
``node_principal`` of its origin with the usual ``authorize`` (a node of KAZ writes KAZ's
events), idempotently: a version already held or older is a no-op, never a second row. Local
changes of a replica are refused (``refuse_replica``); the records other states keep about it
(their acknowledgement, assessment, verification request) are theirs and live in
``replica_records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import Base
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.schemas_replica import EventVersionBody, NodeRef
from epibridge.notifications.service import common, versioning
from epibridge.notifications.service.common import refuse_replica
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Action, Principal, authorize, require_principal
from epibridge.text import printable
from epibridge.validation_messages import field_error

__all__ = [
    "apply_version",
    "by_origin",
    "event_of",
    "local_event_id",
    "reference",
    "refuse_replica",
]

Body = TypeVar("Body", bound=BaseModel)
Row = TypeVar("Row", bound=Base)


def parse_body(model: type[Body], body: dict[str, Any]) -> Body:
    """A message body as ``model``; a 422 naming each bad field otherwise."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(
            N_("the message body is not valid"),
            [
                field_error(e, value=printable(str(e.get("input")), 200)).at(
                    "body." + ".".join(map(str, e["loc"]))
                )
                for e in exc.errors()
            ],
        ) from None


def require_own(ref: NodeRef, origin_node: str, field: str) -> None:
    """A node speaks only for the records it created (the hub relays them unchanged)."""
    if ref.node != origin_node:
        raise InvalidInput(
            N_("node {origin} may not speak for a record of node {node}"),
            [FieldError(field, N_("a record of another node"), ref.node)],
            params={"origin": origin_node, "node": ref.node},
        )


def by_origin(session: Session, model: type[Row], ref: NodeRef, here: str | None) -> Row | None:
    """The local row of the record ``ref`` names: this node's own, or the replica of it."""
    if here is not None and ref.node == here:
        row = session.get(model, ref.id)
        return row if row is not None and row.origin_node is None else None  # type: ignore[attr-defined]
    return session.execute(
        select(model).where(
            model.origin_node == ref.node,  # type: ignore[attr-defined]
            model.origin_id == ref.id,  # type: ignore[attr-defined]
        )
    ).scalar_one_or_none()


def event_of(session: Session, ref: NodeRef, here: str | None) -> NotificationEvent:
    """The event a message is about; unknown here is a refusal (nothing stored)."""
    event = by_origin(session, NotificationEvent, ref, here)
    if event is None:
        raise NotFound(
            N_("no notification {id} of node {node} is known here"),
            [FieldError("body.event", "unknown notification", f"{ref.node}/{ref.id}")],
            params={"id": ref.id, "node": ref.node},
        )
    return event


def local_event_id(session: Session, ref: NodeRef, here: str | None) -> int | None:
    """The local id of the event ``ref`` names, if this node holds it (for other domains)."""
    event = by_origin(session, NotificationEvent, ref, here)
    return event.id if event is not None else None


def reference(event: NotificationEvent, here: str) -> dict[str, Any]:
    """How other nodes name ``event``: by its origin (``here`` for this node's own)."""
    if event.origin_node is None:
        return {"node": here, "id": event.id}
    return {"node": event.origin_node, "id": event.origin_id}


_RECORD_FIELDS = (
    "mode",
    "visibility",
    "title",
    "disease",
    "event_type",
    "area_code",
    "latitude",
    "longitude",
    "onset_date",
    "detection_date",
    "suspected_cases",
    "probable_cases",
    "confirmed_cases",
    "deaths",
    "affected_states",
    "measures",
    "description",
    "language",
    "translations",
    "annex2_outcome",
    "risk_level",
    "close_reason",
)


def _take(event: NotificationEvent, body: EventVersionBody) -> None:
    for name in _RECORD_FIELDS:
        setattr(event, name, getattr(body.record, name))
    event.status = EventStatus(body.kind)
    event.version = body.version
    event.created_at = body.created_at
    event.created_by = body.created_by
    event.notified_at = body.notified_at
    event.closed_at = body.closed_at
    event.updated_at = body.at
    if body.version == 1:  # whether the event was notified on the state's behalf
        event.on_behalf = body.on_behalf
    event.annex2 = body.annex2
    deadline = (body.annex2 or {}).get("deadline")
    event.notification_deadline = datetime.fromisoformat(deadline) if deadline else None


def _check_cap(session: Session, body: EventVersionBody) -> None:
    taken = session.execute(
        select(NotificationVersion.event_id).where(
            NotificationVersion.cap_sender == body.cap.sender,
            NotificationVersion.cap_identifier == body.cap.identifier,
        )
    ).first()
    if taken is not None:
        raise Conflict(
            N_("the CAP message {identifier} is already held here for another event"),
            [FieldError("body.cap.identifier", "already held", body.cap.identifier)],
            params={"identifier": body.cap.identifier},
        )


def apply_version(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[NotificationEvent, bool]:
    """Store one version of another node's event; return the replica and whether it changed.

    A version this node already holds (or an older one) changes nothing; a newer one replaces
    the replica's values (the body is the whole record) and adds its version with the CAP
    message as the origin exported it.
    """
    require_principal(actor)
    data = parse_body(EventVersionBody, body)
    require_own(data.event, origin_node, "body.event.node")
    errors: list[FieldError] = []
    state = common.check_state(session, data.record.state, errors, "body.record.state")
    common.raise_if(errors, N_("the message body is not valid"))
    authorize(actor, Action.WRITE_STATE, state)
    event = by_origin(session, NotificationEvent, data.event, here)
    if event is not None:
        authorize(actor, Action.WRITE_STATE, event.state)
        if event.origin_node is None or data.version <= event.version:
            return event, False
        if event.state != state:
            raise InvalidInput(
                N_("an event's state does not change (it is {state})"),
                [FieldError("body.record.state", "changed", state)],
                params={"state": event.state},
            )
    _check_cap(session, data)
    if event is None:
        event = NotificationEvent(
            state=state, origin_node=origin_node, origin_id=data.event.id, on_behalf=False
        )
        session.add(event)
    _take(event, data)
    session.flush()
    snapshot = {**data.record.model_dump(mode="json"), "id": data.event.id, **data.detail}
    versioning.add_version(
        session,
        event=event,
        kind=EventStatus(data.kind),
        actor=data.actor,
        on_behalf=data.on_behalf,
        reason=data.reason,
        now=data.at,
        msg_type=data.cap.msg_type,
        sender=data.cap.sender,
        identifier=data.cap.identifier,
        sent=data.cap.sent,
        cap_xml=data.cap.xml,
    ).snapshot = snapshot
    session.flush()
    common.publish(
        session,
        actor=actor.actor,
        topic=f"notification.{data.kind}",
        event=event,
        states=list(event.affected_states or []),
        extra={"origin_node": origin_node, **({"reason": data.reason} if data.reason else {})},
    )
    common.record(
        session,
        actor=actor.actor,
        action="replicate",
        event=event,
        state={
            **common.snapshot(event),
            "version": event.version,
            "origin_node": origin_node,
            "origin_id": data.event.id,
        },
    )
    return event, True
