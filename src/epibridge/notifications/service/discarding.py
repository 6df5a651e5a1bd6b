"""Discarding a draft: the state decides not to notify it, and says why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.schemas import NotificationDiscard
from epibridge.notifications.service import common
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Principal


def discard(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: NotificationDiscard,
    now: datetime | None = None,
) -> NotificationEvent:
    """Decide not to notify a draft: it is kept, with the reason, and never leaves the state.

    Nothing is published: a draft was never sent, so nobody is told it went away.
    """
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session,
        event_id,
        actor,
        statuses={EventStatus.DRAFT},
        rule="only a draft can be discarded",
    )
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("give the reason", [FieldError("reason", "must not be blank")])
    event.status = EventStatus.DISCARDED
    event.close_reason = reason
    event.updated_at = now
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="discard",
        event=event,
        state={**common.snapshot(event), "on_behalf": on_behalf, "reason": reason},
    )
    return event
