"""The 7-1-7 arithmetic: intervals between milestone dates and whether each target was met.

Pure functions of dates, so that the rule is written once and tested without a database. An
interval is the number of days between two calendar dates in UTC; it is None while either
milestone is missing, and so is whether its target was met.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median

from epibridge.timeliness.statuses import ActionOutcome, EarlyAction, Interval

#: 7-1-7: detect within 7 days of emergence, notify within 1 day of detection, complete the
#: early response actions within 7 days of notification.
TARGETS: Mapping[Interval, int] = {Interval.DETECT: 7, Interval.NOTIFY: 1, Interval.RESPOND: 7}


@dataclass(frozen=True)
class Milestones:
    """The four dates of one event (None: not known yet)."""

    emergence: date | None
    detection: date | None
    notification: date | None
    early_response: date | None


def utc_day(moment: datetime | None) -> date | None:
    """The calendar day of ``moment`` in UTC."""
    return None if moment is None else moment.astimezone(UTC).date()


def days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days


def notification_day(notified_at: datetime | None, national: date | None) -> date | None:
    """The day public-health authorities were first told: the earlier of a recorded notification
    to the national authority and the notification in epibridge."""
    days = [d for d in (national, utc_day(notified_at)) if d is not None]
    return min(days) if days else None


def early_response_day(
    actions: Mapping[EarlyAction, tuple[ActionOutcome, date | None]],
) -> date | None:
    """The day the last applicable early response action was completed.

    None until every one of the seven is recorded (completed or not needed), and when none
    was needed at all: the response is complete only when nothing is left to do.
    """
    if any(action not in actions for action in EarlyAction):
        return None
    done = [
        day
        for outcome, day in actions.values()
        if outcome is ActionOutcome.COMPLETED and day is not None
    ]
    return max(done) if done else None


def intervals(milestones: Milestones) -> dict[Interval, int | None]:
    return {
        Interval.DETECT: days_between(milestones.emergence, milestones.detection),
        Interval.NOTIFY: days_between(milestones.detection, milestones.notification),
        Interval.RESPOND: days_between(milestones.notification, milestones.early_response),
    }


def met(interval: Interval, days: int | None) -> bool | None:
    return None if days is None else days <= TARGETS[interval]


def all_met(targets: Mapping[Interval, bool | None]) -> bool | None:
    """All three met: None while any is unknown, unless one is already missed."""
    values = list(targets.values())
    if any(value is False for value in values):
        return False
    return None if any(value is None for value in values) else True


def share(hits: int, of: int) -> float | None:
    return None if of == 0 else hits / of


def median_of(values: Iterable[float]) -> float | None:
    known = list(values)
    return float(median(known)) if known else None
