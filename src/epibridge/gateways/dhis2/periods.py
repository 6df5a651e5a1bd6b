"""DHIS2's period identifiers and ADX's ISO 8601 intervals as first and last day.

The formats are those of DHIS2's Web API, "Date and period format"
(https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/introduction.html,
section "Date and period format"): weeks are ISO 8601 weeks, and a week starting on another
day (``WedW``, ``ThuW``, ``SatW``, ``SunW``) is numbered the same way from the week of that
start day holding 4 January; a bi-week is two weeks from an odd ISO week; ``yyyyMMB`` starts
a bi-month on an odd month; the financial years start in April, July, October or November of
the year named. Parsing is pure: the gateway maps each distinct period of a request once.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

Period = tuple[date, date]

_WEEK_STARTS = {"": 0, "Wed": 2, "Thu": 3, "Sat": 5, "Sun": 6}
_FINANCIAL = {"April": 4, "July": 7, "Oct": 10, "Nov": 11}
_PATTERN = re.compile(
    r"(?P<year>\d{4})(?:"
    r"(?P<day>\d{2}\d{2})"
    r"|(?P<wk>Wed|Thu|Sat|Sun)?W(?P<week>\d{1,2})"
    r"|BiW(?P<biweek>\d{1,2})"
    r"|(?P<month>\d{2})(?P<bimonth>B)?"
    r"|Q(?P<quarter>[1-4])"
    r"|(?P<april>April)?S(?P<half>[12])"
    r"|(?P<financial>April|July|Oct|Nov)"
    r")?",
    re.ASCII,  # \d is 0-9 only: "٢٠٢٤" is not a year
)
_DURATION = re.compile(r"P(?P<n>\d{1,4})(?P<unit>[DWMY])", re.ASCII)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_one(year: int, start_weekday: int = 0) -> date:
    """The first day of week 1: the week starting on ``start_weekday`` that holds 4 January."""
    fourth = date(year, 1, 4)
    return fourth - timedelta(days=(fourth.weekday() - start_weekday) % 7)


def weeks_in(year: int, start_weekday: int = 0) -> int:
    return (week_one(year + 1, start_weekday) - week_one(year, start_weekday)).days // 7


def _weekly(year: int, week: int, start_weekday: int, length: int = 1) -> Period | None:
    if not 1 <= week <= weeks_in(year, start_weekday):
        return None
    first = week_one(year, start_weekday) + timedelta(weeks=week - 1)
    return first, first + timedelta(days=7 * length - 1)


def _months(year: int, month: int, count: int) -> Period:
    first = date(year, month, 1)
    last = _add_months(first, count) - timedelta(days=1)
    return first, last


def parse_period(text: str) -> Period | None:
    """First and last day of a DHIS2 period identifier; None when it is not one."""
    found = _PATTERN.fullmatch(text) if len(text) <= 12 else None
    if found is None:
        return None
    parts = found.groupdict()
    year = int(parts["year"])
    try:
        return _parsed(year, parts)
    except ValueError:  # a day or month that does not exist (20240230, 202413)
        return None


def _parsed(year: int, parts: dict[str, str | None]) -> Period | None:
    if parts["day"]:
        day = date(year, int(parts["day"][:2]), int(parts["day"][2:]))
        return day, day
    if parts["week"]:
        return _weekly(year, int(parts["week"]), _WEEK_STARTS[parts["wk"] or ""])
    if parts["biweek"]:
        number = int(parts["biweek"])
        return _weekly(year, 2 * number - 1, 0, length=2) if number >= 1 else None
    if parts["month"]:
        month = int(parts["month"])
        if parts["bimonth"]:
            # 200401B is January-February, 200402B March-April (DHIS2's bi-month number).
            return _months(year, 2 * month - 1, 2) if 1 <= month <= 6 else None
        return _months(year, month, 1) if 1 <= month <= 12 else None
    if parts["quarter"]:
        return _months(year, 3 * int(parts["quarter"]) - 2, 3)
    if parts["half"]:
        offset = 3 if parts["april"] else 0
        return _months(year, 1 + offset + 6 * (int(parts["half"]) - 1), 6)
    if parts["financial"]:
        return _months(year, _FINANCIAL[parts["financial"]], 12)
    return date(year, 1, 1), date(year, 12, 31)


def parse_interval(text: str) -> Period | None:
    """ADX's period, ``start/duration`` (``2024-01-01/P1W``): first and last day, or None."""
    start_text, slash, duration = text.partition("/")
    found = _DURATION.fullmatch(duration) if slash else None
    if found is None or len(start_text) != 10 or not start_text.isascii():
        return None
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        return None
    count, unit = int(found["n"]), found["unit"]
    if count < 1:
        return None
    try:
        if unit == "D":
            end = start + timedelta(days=count)
        elif unit == "W":
            end = start + timedelta(weeks=count)
        else:
            months = count * (12 if unit == "Y" else 1)
            if start.day != 1:
                return None  # a month that does not start on the 1st has no single end
            end = _add_months(start, months)
    except (OverflowError, ValueError):
        return None
    return start, end - timedelta(days=1)


def to_dhis2(first: date, last: date) -> str | None:
    """The DHIS2 identifier of a day, an ISO week or a month (the periods epibridge stores)."""
    if first == last:
        return first.strftime("%Y%m%d")
    if (last - first).days == 6 and first.weekday() == 0:
        year, week, _ = first.isocalendar()
        return f"{year}W{week}"
    if first.day == 1 and last == _month_end(first.year, first.month):
        return first.strftime("%Y%m")
    return None


def to_interval(first: date, last: date) -> str:
    """ADX's ``start/duration`` for a stored period."""
    if first.day == 1 and last == _month_end(first.year, first.month):
        return f"{first.isoformat()}/P1M"
    days = (last - first).days + 1
    if days % 7 == 0:
        return f"{first.isoformat()}/P{days // 7}W"
    return f"{first.isoformat()}/P{days}D"
