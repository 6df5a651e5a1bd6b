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
from epibridge.demo_scenario.cast import Cast, Timeline
from epibridge.errors import FieldError, NotFound

ROAD = "KAZ-CHN-khorgos-road"
RAIL = "KAZ-CHN-altynkol-rail"
LANE_NAME = "Kazakhstan–China green lane for medical supplies (SYNTHETIC demo)"
LANE_TARGET_MINUTES = 30
SYNTHETIC = "(SYNTHETIC demo report)"


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
    # The flow Kazakhstan -> China of people: open on the way out, restricted on the way in.
    borders.report_status(
        session,
        actor=cast.fp("KAZ"),
        crossing_id=road,
        data=StatusReportCreate(
            side="KAZ",
            direction="outbound",  # type: ignore[arg-type]
            traffic="people",  # type: ignore[arg-type]
            status="open",
            capacity_share=1.0,
            wait_minutes=20,
            measures_c8=0,
            measures_text=f"No restriction on departures {SYNTHETIC}",
            effective_from=since,
        ),
    )
    borders.report_status(
        session,
        actor=cast.fp("CHN"),
        crossing_id=road,
        data=StatusReportCreate(
            side="CHN",
            direction="inbound",  # type: ignore[arg-type]
            traffic="people",  # type: ignore[arg-type]
            status="restricted",
            capacity_share=0.5,
            wait_minutes=90,
            measures_c8=1,
            measures_text=f"Measles screening and vaccination check of arrivals {SYNTHETIC}",
            effective_from=since,
        ),
    )
    # Freight: both sides agree it is restricted, and trucks wait far beyond the lane's target.
    for side, direction, wait in (("KAZ", "outbound", 240), ("CHN", "inbound", 180)):
        borders.report_status(
            session,
            actor=cast.fp(side),
            crossing_id=road,
            data=StatusReportCreate(
                side=side,
                direction=direction,  # type: ignore[arg-type]
                traffic="freight",  # type: ignore[arg-type]
                status="restricted",
                capacity_share=0.6,
                wait_minutes=wait,
                measures_c8=1,
                measures_text=f"Disinfection of vehicles, drivers' vaccination check {SYNTHETIC}",
                effective_from=since,
            ),
        )
    lane = borders.create_lane(
        session,
        actor=cast.fp("KAZ"),
        data=LaneCreate(
            kind="green",  # type: ignore[arg-type]
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
