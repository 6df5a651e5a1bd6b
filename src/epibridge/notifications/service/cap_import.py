"""Importing CAP 1.2 alerts from national systems (see ``cap_export`` for the mapping).

What the alert says is read by ``cap_reading``; this module decides what it does to the
events: nothing (already imported), a new event, an update of an earlier alert's event, or
the close of the event a Cancel refers to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import DomainError, FieldError, Forbidden, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications import cap as caplib
from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.schemas import (
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
)
from epibridge.notifications.service import events, queries
from epibridge.notifications.service.cap_reading import (
    alert_state,
    as_cap_errors,
    cap_record,
    check_geocodes,
    check_notification,
    check_texts,
    event_fields,
    parsed,
    validated,
)
from epibridge.notifications.statuses import CloseKind
from epibridge.security import Action, Principal, decide


def _known(session: Session, sender: str, identifier: str) -> NotificationVersion | None:
    return session.execute(
        select(NotificationVersion).where(
            NotificationVersion.cap_sender == sender,
            NotificationVersion.cap_identifier == identifier,
        )
    ).scalar_one_or_none()


def _earlier(session: Session, msg: caplib.CapMessage) -> NotificationVersion | None:
    """The version of the last referenced alert imported here, if any."""
    earlier = None
    for ref in msg.references:
        earlier = _known(session, ref.sender, ref.identifier) or earlier
    return earlier


def _cancel(
    session: Session,
    *,
    actor: Principal,
    msg: caplib.CapMessage,
    earlier: NotificationVersion | None,
    now: datetime,
    cap: dict[str, Any],
) -> NotificationEvent:
    """Close (withdraw) the event of the alert a Cancel refers to."""
    if earlier is None:
        raise InvalidInput(
            "the Cancel refers to no alert known here",
            [
                FieldError(
                    "/alert/references",
                    "no referenced alert was imported",
                    " ".join(r.identifier for r in msg.references),
                )
            ],
        )
    return events.close(
        session,
        actor=actor,
        event_id=earlier.event_id,
        data=NotificationClose(
            reason=msg.note or "cancelled by the sender", kind=CloseKind.WITHDRAWN
        ),
        now=now,
        cap=cap,
    )


def _update(
    session: Session,
    *,
    actor: Principal,
    msg: caplib.CapMessage,
    earlier: NotificationVersion,
    values: dict[str, Any],
    now: datetime,
    cap: dict[str, Any],
) -> NotificationEvent:
    """Update the event of an earlier alert with the fields this one gives."""
    values = {
        k: v for k, v in values.items() if k not in ("state", "mode", "language") and v is not None
    }
    values["reason"] = msg.note
    # The event keeps its first language; a block in it is the event's own text.
    language = queries.get(session, actor=actor, event_id=earlier.event_id).language
    if "translations" in values:
        values["translations"] = {
            lang: texts for lang, texts in values["translations"].items() if lang != language
        }
    return events.update(
        session,
        actor=actor,
        event_id=earlier.event_id,
        data=validated(NotificationUpdate, values),
        now=now,
        cap=cap,
    )


def import_alert(
    session: Session, *, actor: Principal, xml: bytes, now: datetime | None = None
) -> tuple[NotificationEvent, bool]:
    """Create or update an event from a national system's CAP alert; idempotent by identifier.

    Meant for the ``system`` accounts of national systems; whoever calls, the one permission
    check decides, for the state the alert comes from. Returns the event and whether this call
    changed anything (False: already imported).
    """
    now = now or utcnow()
    msg = parsed(xml)
    check_texts(msg)
    state = alert_state(msg)
    if state is None:
        raise InvalidInput(
            "cannot tell which state the alert comes from",
            [
                FieldError(
                    "/alert/sender",
                    "neither the sender's domain nor an ISO 3166 geocode names a state",
                    msg.sender,
                )
            ],
        )
    decision = decide(actor, Action.WRITE_STATE, state)
    if not decision.allowed:
        raise Forbidden(
            N_("the alert's sender is of {state}; {reason}"),
            [
                FieldError(
                    "/alert/sender", N_("a sender of {state}"), msg.sender, params={"state": state}
                )
            ],
            params={"state": state, "reason": decision.reason},
        )
    existing = _known(session, msg.sender, msg.identifier)
    if existing is not None:
        return queries.get(session, actor=actor, event_id=existing.event_id), False
    check_geocodes(msg, state)
    check_notification(msg)
    cap = cap_record(xml, msg)
    earlier = _earlier(session, msg)
    try:
        if msg.msg_type is caplib.MsgType.CANCEL:
            event = _cancel(session, actor=actor, msg=msg, earlier=earlier, now=now, cap=cap)
            return event, True
        values = event_fields(msg, state)
        if earlier is not None:
            event = _update(
                session, actor=actor, msg=msg, earlier=earlier, values=values, now=now, cap=cap
            )
            return event, True
        data = validated(NotificationCreate, {k: v for k, v in values.items() if v is not None})
        return events.create(session, actor=actor, data=data, now=now, cap=cap), True
    except DomainError as exc:
        raise as_cap_errors(exc) from None
