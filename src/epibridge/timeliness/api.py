"""Routes of 7-1-7 timeliness: one event's milestones and intervals, and the scorecards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, WriteSession
from epibridge.inputs import Id
from epibridge.timeliness import service
from epibridge.timeliness.schemas import (
    ActionRecord,
    FactorCreate,
    MilestonesUpdate,
    ScorecardRead,
    ScorecardRow,
    TimelinessRead,
)
from epibridge.timeliness.statuses import EarlyAction

router = APIRouter(prefix="/api/v1/timeliness", tags=["timeliness"])

StateQuery = Annotated[
    str | None, Query(description="ISO3 of one state; the region (every state) when omitted.")
]
FromQuery = Annotated[
    date | None, Query(alias="from", description="Events notified on or after YYYY-MM-DD.")
]
ToQuery = Annotated[
    date | None, Query(alias="to", description="Events notified on or before YYYY-MM-DD.")
]
PeriodQuery = Annotated[str, Query(description="quarter or year.")]


@router.get("/events/{event_id}", response_model=TimelinessRead)
def get_event(session: ReadSession, principal: CurrentPrincipal, event_id: Id) -> TimelinessRead:
    """The event's 7-1-7 milestones, intervals (days) and whether each target was met."""
    return service.to_read(service.get(session, actor=principal, event_id=event_id))


@router.put("/events/{event_id}/milestones", response_model=TimelinessRead)
def set_milestones(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: MilestonesUpdate
) -> TimelinessRead:
    """Set the emergence date and an earlier national notification, each with its source."""
    return service.to_read(
        service.set_milestones(session, actor=principal, event_id=event_id, data=data)
    )


@router.put("/events/{event_id}/actions/{action}", response_model=TimelinessRead)
def record_action(
    session: WriteSession,
    principal: CurrentPrincipal,
    event_id: Id,
    action: EarlyAction,
    data: ActionRecord,
) -> TimelinessRead:
    """Record one early response action: the day it was completed, or not needed."""
    return service.to_read(
        service.record_action(session, actor=principal, event_id=event_id, action=action, data=data)
    )


@router.post(
    "/events/{event_id}/factors",
    response_model=TimelinessRead,
    status_code=status.HTTP_201_CREATED,
)
def add_factor(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: FactorCreate
) -> TimelinessRead:
    """Record a bottleneck or an enabler of one interval (7-1-7 taxonomy)."""
    return service.to_read(
        service.add_factor(session, actor=principal, event_id=event_id, data=data)
    )


@router.delete("/events/{event_id}/factors/{factor_id}", response_model=TimelinessRead)
def remove_factor(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, factor_id: Id
) -> TimelinessRead:
    """Withdraw a bottleneck or enabler recorded by mistake (the audit log keeps it)."""
    return service.to_read(
        service.remove_factor(session, actor=principal, event_id=event_id, factor_id=factor_id)
    )


@router.get("/scorecard", response_model=ScorecardRead)
def scorecard(
    session: ReadSession,
    principal: CurrentPrincipal,
    now: Now,
    state: StateQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> ScorecardRead:
    """The share of events meeting each target and all three, over events notified in the
    period, with median intervals, the most frequent bottlenecks and verification timeliness."""
    return service.scorecard(session, actor=principal, state=state, start=start, end=end, now=now)


@router.get("/scorecard/periods", response_model=list[ScorecardRow])
def scorecard_periods(
    session: ReadSession,
    principal: CurrentPrincipal,
    now: Now,
    state: StateQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    period: PeriodQuery = "quarter",
) -> list[ScorecardRow]:
    """The scorecard per quarter or year: the region's, then each state's."""
    return service.table(
        session, actor=principal, state=state, start=start, end=end, period=period, now=now
    )


@router.get(
    "/scorecard.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def scorecard_csv(
    session: ReadSession,
    principal: CurrentPrincipal,
    now: Now,
    state: StateQuery = None,
    start: FromQuery = None,
    end: ToQuery = None,
    period: PeriodQuery = "quarter",
) -> Response:
    """The scorecard per period and state as CSV."""
    rows = service.table(
        session, actor=principal, state=state, start=start, end=end, period=period, now=now
    )
    return Response(
        content=service.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="timeliness-scorecard.csv"'},
    )
