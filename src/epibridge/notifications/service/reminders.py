"""Automatic acknowledgement reminders: what the scheduler sends, and when.

An open event (notified or updated) whose member states have not all acknowledged it gets its
k-th automatic reminder ``k * every`` after it was notified (k = 1 .. ``MAX_AUTOMATIC``), unless
a reminder (a manual one counts) went out less than ``every`` before. Events notified longer
ago than ``MAX_AUTOMATIC + 1`` intervals are left alone: a reminder days late about an old
event is noise, and the window keeps the query small however many events the database holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.service import common
from epibridge.notifications.service.interactions import pending_states, remind
from epibridge.notifications.statuses import LIVE_STATUSES
from epibridge.security import Action, Principal, authorize

#: Reminders one event gets from the scheduler at most.
MAX_AUTOMATIC = 3
TOPIC = "notification.reminder"


def remind_due(
    session: Session, *, actor: Principal, every: timedelta, now: datetime | None = None
) -> dict[int, list[str]]:
    """Remind the states that have not acknowledged events due a reminder; return them by event."""
    authorize(
        actor, Action.COORDINATE
    )  # every state's events: the Secretariat's or the scheduler's
    now = now or utcnow()
    window_start = now - every * (MAX_AUTOMATIC + 1)
    events = list(
        session.execute(
            select(NotificationEvent)
            .where(
                NotificationEvent.status.in_(LIVE_STATUSES),
                NotificationEvent.notified_at <= now - every,
                NotificationEvent.notified_at >= window_start,
            )
            .order_by(NotificationEvent.id)
        ).scalars()
    )
    if not events:
        return {}
    sent = _reminders_sent(session, [e.id for e in events], actor=actor)
    reminded: dict[int, list[str]] = {}
    for event in events:
        last, automatic = sent.get(event.id, (None, 0))
        if automatic >= MAX_AUTOMATIC or (last is not None and last > now - every):
            continue
        assert event.notified_at is not None  # selected on it
        if now < event.notified_at + every * (automatic + 1):
            continue
        if pending_states(session, event, now=now):
            reminded[event.id] = remind(session, actor=actor, event_id=event.id, now=now)
    return reminded


def _reminders_sent(
    session: Session, event_ids: list[int], *, actor: Principal
) -> dict[int, tuple[datetime | None, int]]:
    """Per event: when the last reminder (anyone's) was queued, and how many ``actor`` sent."""
    rows = session.execute(
        select(
            OutboxMessage.entity_id,
            func.max(OutboxMessage.created_at),
            func.sum(case((OutboxMessage.actor == actor.actor, 1), else_=0)),
        )
        .where(
            OutboxMessage.topic == TOPIC,
            OutboxMessage.entity == common.ENTITY,
            OutboxMessage.entity_id.in_([str(i) for i in event_ids]),
        )
        .group_by(OutboxMessage.entity_id)
    )
    return {int(entity_id): (last, int(count or 0)) for entity_id, last, count in rows}
