"""Finding events: one by id, lists with filters, the versions of one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.db import utcnow
from epibridge.notifications.models import (
    EventDetermination,
    NotificationEvent,
    NotificationVersion,
)
from epibridge.notifications.service import common
from epibridge.notifications.statuses import EventMode, EventStatus, WhoDetermination
from epibridge.paging import Page
from epibridge.security import Principal


def get(session: Session, *, actor: Principal, event_id: int) -> NotificationEvent:
    """Return one event the caller may see."""
    return common.load_event(session, event_id, actor)


def event_query(
    *,
    actor: Principal,
    state: str | None = None,
    disease: str | None = None,
    status: EventStatus | None = None,
    onset_from: date | None = None,
    onset_to: date | None = None,
    notified_from: date | None = None,
    notified_to: date | None = None,
    q: str | None = None,
    exercise: bool | None = None,
    overdue: bool | None = None,
    who_determination: WhoDetermination | None = None,
    now: datetime | None = None,
) -> Select[tuple[NotificationEvent]]:
    """The events the caller may see that pass every filter of the events list, unordered.

    One query for the list and for whatever narrows it further (the timeliness list of
    missed targets), so that every filter means the same thing wherever it is offered."""
    now = now or utcnow()
    query = select(NotificationEvent).where(common.visible_clause(actor))
    if state:
        query = query.where(NotificationEvent.state == state.strip().upper())
    if disease:
        code = disease.strip().upper() if disease.strip().lower() != "unknown" else "unknown"
        query = query.where(
            or_(NotificationEvent.disease == code, NotificationEvent.disease.like(code + ".%"))
        )
    if status:
        query = query.where(NotificationEvent.status == status)
    else:
        # A discarded draft is kept for the record, not listed with the events (ask for it).
        query = query.where(NotificationEvent.status != EventStatus.DISCARDED)
    if onset_from:
        query = query.where(NotificationEvent.onset_date >= onset_from)
    if onset_to:
        query = query.where(NotificationEvent.onset_date <= onset_to)
    if notified_from:
        query = query.where(NotificationEvent.notified_at >= _start_of(notified_from))
    if notified_to:
        query = query.where(NotificationEvent.notified_at < _start_of(notified_to, days=1))
    if q and q.strip():
        pattern = (
            "%"
            + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(
                func.lower(NotificationEvent.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(NotificationEvent.description, "")).like(
                    pattern, escape="\\"
                ),
            )
        )
    if exercise is not None:
        query = query.where(
            NotificationEvent.mode != EventMode.ACTUAL
            if exercise
            else NotificationEvent.mode == EventMode.ACTUAL
        )
    if overdue is not None:
        clause = common.overdue_clause(now)
        query = query.where(clause if overdue else ~clause)
    if who_determination is not None:
        query = query.where(determination_clause(who_determination))
    return query


def list_events(
    session: Session,
    *,
    actor: Principal,
    limit: int,
    cursor: str | None = None,
    **filters: Any,
) -> Page[NotificationEvent]:
    """List the events the caller may see, newest first, one page at a time (``filters``:
    those of :func:`event_query`)."""
    return paging.page(
        session,
        event_query(actor=actor, **filters),
        paging.Order(NotificationEvent.id, descending=True),
        cursor=cursor,
        limit=limit,
    )


def determination_clause(determination: WhoDetermination):  # type: ignore[no-untyped-def]
    """Events carrying ``determination`` (``none``: no row, or a row saying none)."""
    recorded = select(EventDetermination.event_id).where(
        EventDetermination.event_id == NotificationEvent.id,
        EventDetermination.determination != WhoDetermination.NONE,
    )
    if determination is WhoDetermination.NONE:
        return ~recorded.exists()
    return recorded.where(EventDetermination.determination == determination).exists()


def _start_of(day: date, days: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=days)


def versions(session: Session, *, event_id: int) -> list[NotificationVersion]:
    return list(
        session.execute(
            select(NotificationVersion)
            .where(NotificationVersion.event_id == event_id)
            .order_by(NotificationVersion.version)
        ).scalars()
    )
