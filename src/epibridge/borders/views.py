"""Turn crossings, their current reports and lanes into the read models API, CLI and UI share."""

from __future__ import annotations

from collections.abc import Iterable

from epibridge.borders.models import Crossing, Lane, StatusReport
from epibridge.borders.schemas import (
    COLOURS,
    CONFLICT_COLOUR,
    Capacity,
    ConflictRead,
    Coordinates,
    CrossingRead,
    LaneCheck,
    LaneRead,
    SideRead,
    StatusReportRead,
)
from epibridge.borders.statuses import LANE_TRAFFIC, CrossingStatus, Direction, Traffic

#: How bad each status is: a crossing is as bad as its worse side.
SEVERITY = {
    CrossingStatus.UNKNOWN: -1,
    CrossingStatus.OPEN: 0,
    CrossingStatus.RESTRICTED: 1,
    CrossingStatus.CLOSED: 2,
}


def report_read(report: StatusReport) -> StatusReportRead:
    return StatusReportRead.model_validate(
        {**{c: getattr(report, c) for c in _REPORT_COLUMNS}, "colour": COLOURS[report.status]}
    )


_REPORT_COLUMNS = [f for f in StatusReportRead.model_fields if f != "colour"]


def summarize(statuses: Iterable[str]) -> CrossingStatus:
    """One word for a side: open or closed when every report says so, else restricted."""
    values = set(statuses)
    if not values:
        return CrossingStatus.UNKNOWN
    if values == {CrossingStatus.OPEN}:
        return CrossingStatus.OPEN
    if values == {CrossingStatus.CLOSED}:
        return CrossingStatus.CLOSED
    return CrossingStatus.RESTRICTED


def conflicts(crossing: Crossing, reports: list[StatusReport]) -> list[ConflictRead]:
    """Flows on which one side's outbound status differs from the other side's inbound one."""
    by_key = {(r.side, r.direction, r.traffic): r for r in reports}
    found = []
    for traffic in Traffic:
        for origin, destination in (
            (crossing.state_a, crossing.state_b),
            (crossing.state_b, crossing.state_a),
        ):
            out = by_key.get((origin, Direction.OUTBOUND, traffic))
            into = by_key.get((destination, Direction.INBOUND, traffic))
            if out is not None and into is not None and out.status != into.status:
                found.append(
                    ConflictRead(
                        traffic=traffic,
                        flow_from=origin,
                        flow_to=destination,
                        outbound_status=out.status,
                        inbound_status=into.status,
                    )
                )
    return found


def lane_checks(reports: list[StatusReport], lanes: list[Lane]) -> list[LaneCheck]:
    checks = []
    for lane in lanes:
        traffic = LANE_TRAFFIC[lane.kind]
        waits = [
            r.wait_minutes for r in reports if r.traffic == traffic and r.wait_minutes is not None
        ]
        worst = max(waits) if waits else None
        checks.append(
            LaneCheck(
                lane_id=lane.id,
                lane_name=lane.name,
                kind=lane.kind,
                traffic=traffic,
                target_minutes=lane.target_minutes,
                max_wait_minutes=worst,
                meets_target=None if worst is None else worst <= lane.target_minutes,
            )
        )
    return checks


def crossing_read(
    crossing: Crossing, reports: list[StatusReport], lanes: list[Lane]
) -> CrossingRead:
    """The crossing as lists show it, with the status each side reports now."""
    sides = []
    for state, post in ((crossing.state_a, crossing.name_a), (crossing.state_b, crossing.name_b)):
        own = sorted(
            (r for r in reports if r.side == state), key=lambda r: (r.direction, r.traffic)
        )
        summary = summarize(r.status for r in own)
        sides.append(
            SideRead(
                state=state,
                post=post,
                status=summary,
                colour=COLOURS[summary],
                reports=[report_read(r) for r in own],
            )
        )
    overall: CrossingStatus = max((s.status for s in sides), key=lambda s: SEVERITY[s])
    found = conflicts(crossing, reports)
    return CrossingRead(
        id=crossing.id,
        code=crossing.code,
        name=crossing.name,
        kind=crossing.kind,
        states=[crossing.state_a, crossing.state_b],
        coordinates=Coordinates(
            latitude=crossing.latitude,
            longitude=crossing.longitude,
            approximate=crossing.approximate,
        ),
        geometry={"type": "Point", "coordinates": [crossing.longitude, crossing.latitude]},
        capacity=Capacity(
            trucks_per_day=crossing.trucks_per_day,
            trains_per_day=crossing.trains_per_day,
            travellers_per_day=crossing.travellers_per_day,
            note=crossing.capacity_note,
        ),
        opening_hours=crossing.opening_hours,
        source=crossing.source,
        names=crossing.names or None,
        note=crossing.note,
        sides=sides,
        status=overall,
        colour=CONFLICT_COLOUR if found else COLOURS[overall],
        conflict=bool(found),
        conflicts=found,
        lanes=lane_checks(reports, lanes),
    )


def lane_read(lane: Lane) -> LaneRead:
    return LaneRead(
        id=lane.id,
        kind=lane.kind,
        traffic=LANE_TRAFFIC[lane.kind],
        name=lane.name,
        states=lane.states,
        crossing_ids=lane.crossing_ids,
        documents_accepted=lane.documents_accepted,
        checks=lane.checks,
        hours=lane.hours,
        target_minutes=lane.target_minutes,
        agreement=lane.agreement,
        valid_from=lane.valid_from,
        valid_until=lane.valid_until,
        created_at=lane.created_at,
        created_by=lane.created_by,
    )


def feature(read: CrossingRead) -> dict[str, object]:
    """The crossing as a GeoJSON Feature (for maps)."""
    properties = read.model_dump(mode="json", exclude={"geometry", "coordinates"})
    return {"type": "Feature", "id": read.id, "geometry": read.geometry, "properties": properties}


def names_in(crossing: Crossing | CrossingRead, lang: str) -> dict[str, str]:
    """The crossing's ``name``, ``name_a`` and ``name_b`` in ``lang``, English where missing.

    Works on a row and on its read model (whose posts are its sides'), so the pages, the
    reports and the CLI name a crossing alike.
    """
    if isinstance(crossing, CrossingRead):
        english = {
            "name": crossing.name,
            "name_a": crossing.sides[0].post if crossing.sides else "",
            "name_b": crossing.sides[1].post if len(crossing.sides) > 1 else "",
        }
        names = crossing.names.model_dump() if crossing.names else {}
    else:
        english = {"name": crossing.name, "name_a": crossing.name_a, "name_b": crossing.name_b}
        names = crossing.names or {}
    local = names.get(lang) or {}
    return {key: local.get(key) or value for key, value in english.items()}
