"""Routes of border crossings, their status by side, and green/fast lanes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.borders import service, views
from epibridge.borders.schemas import (
    CrossingCreate,
    CrossingRead,
    CrossingUpdate,
    LaneCreate,
    LaneRead,
    LaneUpdate,
    StatusReportCreate,
    StatusReportRead,
)
from epibridge.borders.statuses import CrossingKind, CrossingStatus, LaneKind
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput
from epibridge.inputs import Id

router = APIRouter(prefix="/api/v1/borders", tags=["borders"])


@router.get("/crossings", response_model=Page[CrossingRead])
def list_crossings(
    session: ReadSession,
    limit: PageLimit,
    state: Annotated[str | None, Query(description="Only crossings of this state (ISO3).")] = None,
    kind: CrossingKind | None = None,
    status_: Annotated[CrossingStatus | None, Query(alias="status")] = None,
    conflict: Annotated[bool, Query(description="Only crossings whose sides disagree.")] = False,
    at: Annotated[datetime | None, Query(description="Status at this time (default now).")] = None,
    cursor: Cursor = None,
) -> Page[CrossingRead]:
    """List border crossings with the status each side reports now."""
    return service.list_crossings(
        session,
        state=state,
        kind=kind,
        status=status_,
        conflict_only=conflict,
        at=_aware(at),
        cursor=cursor,
        limit=limit,
    )


@router.get("/crossings.geojson")
def crossings_geojson(
    session: ReadSession,
    limit: PageLimit,
    state: str | None = None,
    kind: CrossingKind | None = None,
    status_: Annotated[CrossingStatus | None, Query(alias="status")] = None,
    conflict: bool = False,
    at: datetime | None = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """List border crossings as a GeoJSON FeatureCollection for maps."""
    page = list_crossings(
        session,
        limit,
        state=state,
        kind=kind,
        status_=status_,
        conflict=conflict,
        at=at,
        cursor=cursor,
    )
    return {
        "type": "FeatureCollection",
        "features": [views.feature(item) for item in page.items],
        "next_cursor": page.next_cursor,
    }


def _aware(at: datetime | None) -> datetime | None:
    if at is not None and at.tzinfo is None:
        raise InvalidInput(
            "give a time zone (e.g. 2026-01-01T00:00:00Z)",
            [FieldError("at", "time zone missing", at.isoformat())],
        )
    return at


@router.post("/crossings", response_model=CrossingRead, status_code=status.HTTP_201_CREATED)
def create_crossing(
    session: WriteSession, principal: CurrentPrincipal, data: CrossingCreate
) -> CrossingRead:
    """Add a crossing to the registry (administrators and the Secretariat)."""
    crossing = service.create_crossing(session, actor=principal, data=data)
    return views.crossing_read(crossing, [], [])


@router.get("/crossings/{crossing_id}", response_model=CrossingRead)
def get_crossing(session: ReadSession, crossing_id: Id, at: datetime | None = None) -> CrossingRead:
    """Show one crossing with the status each side reports now and its lanes."""
    crossing = service.get_crossing(session, crossing_id=crossing_id)
    moment = _aware(at)
    reports = service.current_reports(session, crossing_ids=[crossing.id], at=moment)
    day = (moment or utcnow()).date()
    lanes = service.lanes_for(session, crossing_ids=[crossing.id], on=day)
    return views.crossing_read(crossing, reports.get(crossing.id, []), lanes.get(crossing.id, []))


@router.patch("/crossings/{crossing_id}", response_model=CrossingRead)
def update_crossing(
    session: WriteSession, principal: CurrentPrincipal, crossing_id: Id, data: CrossingUpdate
) -> CrossingRead:
    """Correct a crossing's names, position, capacity, hours or source."""
    crossing = service.update_crossing(session, actor=principal, crossing_id=crossing_id, data=data)
    reports = service.current_reports(session, crossing_ids=[crossing.id])
    lanes = service.lanes_for(session, crossing_ids=[crossing.id], on=utcnow().date())
    return views.crossing_read(crossing, reports.get(crossing.id, []), lanes.get(crossing.id, []))


@router.get("/crossings/{crossing_id}/history", response_model=Page[StatusReportRead])
def crossing_history(
    session: ReadSession,
    crossing_id: Id,
    limit: PageLimit,
    side: Annotated[str | None, Query(description="Only this side's reports (ISO3).")] = None,
    cursor: Cursor = None,
) -> Page[StatusReportRead]:
    """List every status report of a crossing, newest first."""
    return service.history(
        session, crossing_id=crossing_id, cursor=cursor, limit=limit, side=side
    ).map(views.report_read)


@router.post(
    "/crossings/{crossing_id}/status",
    response_model=StatusReportRead,
    status_code=status.HTTP_201_CREATED,
)
def report_status(
    session: WriteSession, principal: CurrentPrincipal, crossing_id: Id, data: StatusReportCreate
) -> StatusReportRead:
    """Report one side's status for one direction and traffic (that side's focal point)."""
    report = service.report_status(session, actor=principal, crossing_id=crossing_id, data=data)
    return views.report_read(report)


@router.get("/land-borders")
def land_borders() -> dict[str, Any]:
    """List the pairs of member states sharing a land border, with the source."""
    table = service.land_borders()
    return {"source": table.source, "pairs": [list(p) for p in table.pairs]}


@router.get("/lanes", response_model=Page[LaneRead])
def list_lanes(
    session: ReadSession,
    limit: PageLimit,
    state: str | None = None,
    kind: LaneKind | None = None,
    crossing_id: Id | None = None,
    active_on: Annotated[date | None, Query(description="Only lanes in force that day.")] = None,
    cursor: Cursor = None,
) -> Page[LaneRead]:
    """List green and fast lanes."""
    return service.list_lanes(
        session,
        state=state,
        kind=kind,
        crossing_id=crossing_id,
        active_on=active_on,
        cursor=cursor,
        limit=limit,
    ).map(views.lane_read)


@router.post("/lanes", response_model=LaneRead, status_code=status.HTTP_201_CREATED)
def create_lane(session: WriteSession, principal: CurrentPrincipal, data: LaneCreate) -> LaneRead:
    """Record a green or fast lane agreed between states (a party to it, or the Secretariat)."""
    return views.lane_read(service.create_lane(session, actor=principal, data=data))


@router.get("/lanes/{lane_id}", response_model=LaneRead)
def get_lane(session: ReadSession, lane_id: Id) -> LaneRead:
    """Show one lane."""
    return views.lane_read(service.get_lane(session, lane_id=lane_id))


@router.patch("/lanes/{lane_id}", response_model=LaneRead)
def update_lane(
    session: WriteSession, principal: CurrentPrincipal, lane_id: Id, data: LaneUpdate
) -> LaneRead:
    """Change a lane's rules, crossings or end date."""
    return views.lane_read(
        service.update_lane(session, actor=principal, lane_id=lane_id, data=data)
    )


@router.delete("/lanes/{lane_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_lane(session: WriteSession, principal: CurrentPrincipal, lane_id: Id) -> Response:
    """Remove a lane."""
    service.delete_lane(session, actor=principal, lane_id=lane_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
