"""The situation an account sees: the events active on a day, the latest ones, and what it owes.

Each part is one query over every event the account may see, with no cap and no query per
event, so the dashboard is complete however many events there are and for any past day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.members import service as members
from epibridge.notifications.models import (
    Acknowledgement,
    NotificationEvent,
    VerificationRequest,
)
from epibridge.notifications.schemas import NotificationSummary, Situation, VerificationDue
from epibridge.notifications.service import common
from epibridge.notifications.service.reads import to_summary, verification_read
from epibridge.notifications.statuses import LIVE_STATUSES, EventStatus
from epibridge.security import Principal

#: Events notified and not closed: what acknowledgements and verifications are owed on.
OPEN = LIVE_STATUSES
#: Events that were notified at some time (a closed one was active until its closing).
NOTIFIED = (*OPEN, EventStatus.CLOSED)
LATEST = 10


def situation(
    session: Session, *, actor: Principal, on: date, now: datetime | None = None
) -> Situation:
    """Show the events active on a day and the acknowledgements, answers and notifications owed."""
    now = now or utcnow()
    visible = common.visible_clause(actor)
    newest = NotificationEvent.id.desc()
    deadline = NotificationEvent.notification_deadline
    return Situation(
        day=on,
        active=_summaries(session, now, and_(visible, active_on(on)), newest),
        latest=_summaries(
            session,
            now,
            and_(visible, NotificationEvent.status != EventStatus.DISCARDED),
            newest,
            limit=LATEST,
        ),
        owed=_owed(session, actor, now, visible),
        deadlines=_summaries(
            session,
            now,
            and_(
                visible,
                NotificationEvent.status == EventStatus.DRAFT,
                deadline.is_not(None),
                NotificationEvent.notified_at.is_(None),
            ),
            deadline,
        ),
        verifications=_verifications(session, actor, now, visible),
    )


def active_on(day: date) -> ColumnElement[bool]:
    """Notified, begun by ``day`` and not closed before it: active on that day, past or present."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return and_(
        NotificationEvent.status.in_(NOTIFIED),
        NotificationEvent.onset_date <= day,
        or_(NotificationEvent.closed_at.is_(None), NotificationEvent.closed_at >= start),
    )


def _summaries(
    session: Session,
    now: datetime,
    where: ColumnElement[bool],
    order: ColumnElement[object],
    *,
    limit: int | None = None,
) -> list[NotificationSummary]:
    query = select(NotificationEvent).where(where).order_by(order, NotificationEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [to_summary(row, now) for row in session.execute(query).scalars()]


def _owed(
    session: Session, actor: Principal, now: datetime, visible: ColumnElement[bool]
) -> list[NotificationSummary]:
    """Open events the actor's state has not acknowledged, when it is a member state now.

    The SQL form of ``interactions.pending_states`` for one state: every member state on the
    day acknowledges, except the notifying one.
    """
    state = actor.state
    if not state or state not in {s.iso3 for s in members.members_on(session, on=now.date())}:
        return []
    acknowledged = exists().where(
        Acknowledgement.event_id == NotificationEvent.id, Acknowledgement.state == state
    )
    where = and_(
        visible,
        NotificationEvent.status.in_(OPEN),
        NotificationEvent.state != state,
        ~acknowledged,
    )
    return _summaries(session, now, where, NotificationEvent.id.desc())


def _verifications(
    session: Session, actor: Principal, now: datetime, visible: ColumnElement[bool]
) -> list[VerificationDue]:
    """Unanswered requests on open events: all for the Secretariat, else the state's own.

    A state sees those on its events (it owes the answer) and those it asked.
    """
    query = (
        select(VerificationRequest, NotificationEvent)
        .join(NotificationEvent, VerificationRequest.event_id == NotificationEvent.id)
        .where(
            visible,
            NotificationEvent.status.in_(OPEN),
            VerificationRequest.answered_at.is_(None),
        )
        .order_by(VerificationRequest.due_at, VerificationRequest.id)
    )
    if actor.state is not None:
        query = query.where(
            or_(
                NotificationEvent.state == actor.state,
                VerificationRequest.requester_state == actor.state,
            )
        )
    return [
        VerificationDue(event=to_summary(event, now), request=verification_read(request, now))
        for request, event in session.execute(query)
    ]
