"""The rules of 7-1-7 timeliness: ``intervals`` the arithmetic (pure), ``records`` recording
milestones, actions, bottlenecks and enablers, ``reads`` read models and timeline entries,
``scorecard`` the shares per state, region and period (with verification timeliness)."""

from epibridge.timeliness.service.intervals import TARGETS
from epibridge.timeliness.service.reads import timeline, to_read
from epibridge.timeliness.service.records import (
    EventTimeliness,
    add_factor,
    get,
    load,
    may_record,
    record_action,
    remove_factor,
    set_milestones,
)
from epibridge.timeliness.service.scorecard import (
    MISSED_CHOICES,
    PERIODS,
    card,
    events,
    missed,
    period_of,
    scorecard,
    table,
    to_csv,
)

__all__ = [
    "MISSED_CHOICES",
    "PERIODS",
    "TARGETS",
    "EventTimeliness",
    "add_factor",
    "card",
    "events",
    "get",
    "load",
    "may_record",
    "missed",
    "period_of",
    "record_action",
    "remove_factor",
    "scorecard",
    "set_milestones",
    "table",
    "timeline",
    "to_csv",
    "to_read",
]
