"""ISO weeks (Monday to Sunday) as the reports name them: ``2024-W21``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00 UTC: the first moment of the week."""
        return datetime.combine(self.monday, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 UTC: the first moment after the week."""
        return self.start + timedelta(days=7)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def minus(self, weeks: int) -> IsoWeek:
        return week_of(self.monday - timedelta(weeks=weeks))


def week_of(day: date) -> IsoWeek:
    year, week, _ = day.isocalendar()
    return IsoWeek(year, week)


def parse_week(value: str, *, field: str = "week") -> IsoWeek:
    """Read ``YYYY-Www``; an ISO year has 52 or 53 weeks, and the check says which."""
    match = _PATTERN.match(value.strip().upper()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            "the week must be an ISO week such as 2024-W21",
            [FieldError(field, "expected YYYY-Www", value)],
        )
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput(
            N_("{year} has no ISO week {week}"),
            [FieldError(field, "no such ISO week", value)],
            params={"year": year, "week": week},
        ) from None
    return IsoWeek(year, week)


def previous_week(today: date) -> IsoWeek:
    """The last complete ISO week before ``today`` (what the weekly run reports on)."""
    return week_of(today - timedelta(days=7))
