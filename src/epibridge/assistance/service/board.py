"""The board of open needs and active pledges, overdue ones first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from epibridge.assistance import views
from epibridge.assistance.models import AssistanceRequest, Commitment
from epibridge.assistance.schemas import BoardRead, BoardTotals
from epibridge.assistance.service import common
from epibridge.assistance.service.commitments import read
from epibridge.assistance.statuses import CommitmentStatus, RequestStatus, Urgency
from epibridge.db import utcnow
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize

_URGENCY = {urgency: rank for rank, urgency in enumerate(Urgency)}


def board(
    session: Session,
    *,
    actor: Principal,
    state: str | None = None,
    item: str | None = None,
    limit: int = 100,
    today: date | None = None,
) -> BoardRead:
    """Show what is still needed and what is pledged but not yet confirmed."""
    authorize(actor, Action.READ_PARTNERS)
    day = today or utcnow().date()
    code = members.require_state(session, state, field="state") if state else None
    query = (
        select(AssistanceRequest)
        .options(selectinload(AssistanceRequest.lines))
        .where(
            AssistanceRequest.status == RequestStatus.OPEN,
            AssistanceRequest.visibility.in_(common.visible_levels(actor)),
        )
    )
    if code:
        query = query.where(AssistanceRequest.state == code)
    requests = list(session.execute(query).scalars())
    commitments = common.commitments_of(session, request_ids=[r.id for r in requests])
    needs = [
        need
        for request in requests
        for need in views.needs_of(views.request_read(request, commitments, day))
        if item is None or need.item == item
    ]
    needs.sort(key=lambda n: (not n.overdue, _URGENCY[n.urgency], n.needed_by, n.request_id))
    active_query = (
        select(Commitment)
        .join(AssistanceRequest, AssistanceRequest.id == Commitment.request_id)
        .where(
            Commitment.status.in_(
                [CommitmentStatus.PLEDGED, CommitmentStatus.DISPATCHED, CommitmentStatus.DELIVERED]
            ),
            AssistanceRequest.visibility.in_(common.visible_levels(actor)),
        )
        .order_by(Commitment.id)
    )
    pledges = [read(session, c, day) for c in session.execute(active_query).scalars()]
    if code:
        pledges = [p for p in pledges if code in (p.requesting_state, p.offered_by)]
    if item:
        pledges = [p for p in pledges if p.item == item]
    pledges.sort(key=lambda p: (not p.overdue, p.needed_by, p.id))
    return BoardRead(
        as_of=day,
        totals=BoardTotals(
            open_needs=len(needs),
            overdue_needs=sum(n.overdue for n in needs),
            active_pledges=len(pledges),
            overdue_pledges=sum(p.overdue for p in pledges),
        ),
        needs=needs[:limit],
        pledges=pledges[:limit],
        truncated=len(needs) > limit or len(pledges) > limit,
    )
