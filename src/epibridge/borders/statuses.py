"""The closed vocabularies of border crossings, their status reports and lanes."""

from __future__ import annotations

from enum import StrEnum


class CrossingKind(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    RIVER = "river"
    AIR = "air"
    SEA = "sea"


#: Kinds that join two land neighbours; air and sea crossings may join any two states.
LAND_KINDS = frozenset({CrossingKind.ROAD, CrossingKind.RAIL, CrossingKind.RIVER})


class Direction(StrEnum):
    """Relative to the reporting side."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Traffic(StrEnum):
    FREIGHT = "freight"
    PEOPLE = "people"


class CrossingStatus(StrEnum):
    """How a crossing is for one flow; ``unknown`` only summarizes a side that reported nothing."""

    OPEN = "open"
    RESTRICTED = "restricted"
    CLOSED = "closed"
    UNKNOWN = "unknown"


#: What a side can report (and the reports table stores).
REPORTED_STATUSES = (CrossingStatus.OPEN, CrossingStatus.RESTRICTED, CrossingStatus.CLOSED)


class LaneKind(StrEnum):
    """A green lane is for priority freight, a fast lane for essential personnel."""

    GREEN = "green"
    FAST = "fast"


#: Which traffic each lane kind serves.
LANE_TRAFFIC = {LaneKind.GREEN: Traffic.FREIGHT, LaneKind.FAST: Traffic.PEOPLE}
