"""Versions of notified events: each with its CAP identity, audit entry and outbox message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.service import common
from epibridge.notifications.statuses import VERSION_KINDS, EventStatus

_TOPIC_BY_KIND = {kind: f"notification.{kind}" for kind in VERSION_KINDS}


def cap_sender(state: str) -> str:
    """The CAP sender of everything epibridge exports for ``state``."""
    return f"urn:epibridge:{state}"


def cap_identifier(state: str, event_id: int, version: int) -> str:
    return f"urn:epibridge:{state}:notification:{event_id}:{version}"


def add_version(
    session: Session,
    *,
    event: NotificationEvent,
    kind: EventStatus,
    actor: str,
    on_behalf: bool,
    reason: str | None,
    now: datetime,
    msg_type: str,
    sender: str | None = None,
    identifier: str | None = None,
    sent: datetime | None = None,
    cap_xml: str | None = None,
    extra: dict[str, Any] | None = None,
) -> NotificationVersion:
    """Record one notification/update/closure with its counts and its CAP identity.

    The caller has already counted the event's ``version`` up (before its flush, so that a
    new event is inserted once rather than inserted and then updated).
    """
    version = NotificationVersion(
        event_id=event.id,
        version=event.version,
        kind=kind,
        at=now,
        actor=actor,
        on_behalf=on_behalf,
        reason=reason,
        snapshot=common.snapshot(event, **(extra or {})),
        cap_sender=sender or cap_sender(event.state),
        cap_identifier=identifier or cap_identifier(event.state, event.id, event.version),
        cap_sent=(sent or now).replace(microsecond=0),
        cap_msg_type=msg_type,
        cap_xml=cap_xml,
    )
    session.add(version)
    return version


def finish(
    session: Session,
    *,
    principal_actor: str,
    event: NotificationEvent,
    kind: EventStatus,
    action: str,
    on_behalf: bool,
    now: datetime,
    reason: str | None = None,
    msg_type: str = "Alert",
    cap: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Version, audit and publish one change of a notified event, in the caller's transaction."""
    event.version += 1
    session.flush()
    add_version(
        session,
        event=event,
        kind=kind,
        actor=principal_actor,
        on_behalf=on_behalf,
        reason=reason,
        now=now,
        msg_type=msg_type,
        extra=extra,
        **(cap or {}),
    )
    common.publish(
        session,
        actor=principal_actor,
        topic=_TOPIC_BY_KIND[kind],
        event=event,
        states=list(event.affected_states or []),
        extra={"reason": reason} if reason else None,
        now=now,
    )
    # The audit entry comes last: on PostgreSQL it takes the audit chain's lock, which is held
    # until commit, so every statement before it is one round trip less under that lock.
    common.record(
        session,
        actor=principal_actor,
        action=action,
        event=event,
        state={
            **common.snapshot(event),
            "version": event.version,
            "on_behalf": on_behalf,
            "reason": reason,
        },
    )
