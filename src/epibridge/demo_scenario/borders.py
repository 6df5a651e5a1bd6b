"""The border part of the scenario, at the real Khorgos crossings between Kazakhstan and China.

Each side reports its own status, as the two border services would: Kazakhstan says people
leave freely, China screens and restricts them on arrival, so the crossing shows a conflict on
that flow. Freight queues for hours on both sides while a green lane over the crossing
promises 30 minutes, so the lane is below its target. The reports are SYNTHETIC (their
measures text says so); the crossings and their sources are the shipped registry's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.borders import service as borders
from epibridge.borders.schemas import LaneCreate, StatusReportCreate
from epibridge.borders.statuses import CrossingStatus, Direction, LaneKind, Traffic
from epibridge.demo_scenario.cast import Cast, Timeline
from epibridge.errors import FieldError, NotFound

ROAD = "KAZ-CHN-khorgos-road"
RAIL = "KAZ-CHN-altynkol-rail"
LANE_NAME = "Kazakhstan–China green lane for medical supplies (SYNTHETIC demo)"
LANE_TARGET_MINUTES = 30
SYNTHETIC = "(SYNTHETIC demo report)"


_FREIGHT_MEASURES = "Disinfection of vehicles, drivers' vaccination check"
#: What each side reports on the road crossing: side, direction, traffic, status, capacity
#: share, wait in minutes, OxCGRT C8 and the measures. People from Kazakhstan to China: open
#: on the way out, restricted on the way in (the conflict). Freight: both sides agree it is
#: restricted, and trucks wait far beyond the lane's target.
REPORTS: tuple[tuple[str, Direction, Traffic, CrossingStatus, float, int, int, str], ...] = (
    (
        "KAZ",
        Direction.OUTBOUND,
        Traffic.PEOPLE,
        CrossingStatus.OPEN,
        1.0,
        20,
        0,
        "No restriction on departures",
    ),
    (
        "CHN",
        Direction.INBOUND,
        Traffic.PEOPLE,
        CrossingStatus.RESTRICTED,
        0.5,
        90,
        1,
        "Measles screening and vaccination check of arrivals",
    ),
    (
        "KAZ",
        Direction.OUTBOUND,
        Traffic.FREIGHT,
        CrossingStatus.RESTRICTED,
        0.6,
        240,
        1,
        _FREIGHT_MEASURES,
    ),
    (
        "CHN",
        Direction.INBOUND,
        Traffic.FREIGHT,
        CrossingStatus.RESTRICTED,
        0.6,
        180,
        1,
        _FREIGHT_MEASURES,
    ),
)


@dataclass(frozen=True)
class Borders:
    crossing_id: int
    lane_id: int


def _crossing_ids(session: Session) -> dict[str, int]:
    return {
        c.code: c.id
        for c in paging.every(
            lambda cursor: borders.list_crossings(session, state="KAZ", cursor=cursor, limit=100)
        )
    }


def play(session: Session, cast: Cast, time: Timeline) -> Borders:
    ids = _crossing_ids(session)
    if ROAD not in ids or RAIL not in ids:
        raise NotFound(
            "the border registry has no Khorgos crossings", [FieldError("code", "unknown", ROAD)]
        )
    road = ids[ROAD]
    since = time.last_week(3, 6)
    for side, direction, traffic, status, share, wait, c8, measures in REPORTS:
        borders.report_status(
            session,
            actor=cast.fp(side),
            crossing_id=road,
            data=StatusReportCreate(
                side=side,
                direction=direction,
                traffic=traffic,
                status=status,
                capacity_share=share,
                wait_minutes=wait,
                measures_c8=c8,
                measures_text=f"{measures} {SYNTHETIC}",
                effective_from=since,
            ),
        )
    lane = borders.create_lane(
        session,
        actor=cast.fp("KAZ"),
        data=LaneCreate(
            kind=LaneKind.GREEN,
            name=LANE_NAME,
            states=["KAZ", "CHN"],
            crossing_ids=[road, ids[RAIL]],
            documents_accepted=["CMR consignment note", "certificate of origin"],
            checks="Documents only; no physical inspection of medical supplies (synthetic).",
            hours="24/7",
            target_minutes=LANE_TARGET_MINUTES,
            agreement="Synthetic demo agreement between the two border services.",
            valid_from=time.days(-60),
        ),
    )
    return Borders(road, lane.id)
