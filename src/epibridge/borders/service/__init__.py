"""The rules of the borders domain, split by subject; import them from here."""

from epibridge.borders.service.common import get_crossing, writable_states
from epibridge.borders.service.crossings import (
    create_crossing,
    list_crossings,
    load_registry,
    read_registry,
    update_crossing,
)
from epibridge.borders.service.lanes import (
    create_lane,
    delete_lane,
    get_lane,
    lanes_for,
    list_lanes,
    update_lane,
)
from epibridge.borders.service.neighbours import land_borders, share_land_border
from epibridge.borders.service.status import (
    current_reports,
    history,
    report_status,
)

__all__ = [
    "create_crossing",
    "create_lane",
    "current_reports",
    "delete_lane",
    "get_crossing",
    "get_lane",
    "history",
    "land_borders",
    "lanes_for",
    "list_crossings",
    "list_lanes",
    "load_registry",
    "read_registry",
    "report_status",
    "share_land_border",
    "update_crossing",
    "update_lane",
    "writable_states",
]
