"""FHIR search parameters of MeasureReport read into the one ``SeriesSelector``.

``period`` follows FHIR date search: a value is a year-week (``2024-W05``, epibridge's
convenience), a month (``2024-01``) or a day (``2024-01-15``), each meaning the whole span it
names, and may carry a prefix: ``eq`` (default: within the span), ``ge``/``gt`` (from / after
it), ``le``/``lt`` (until / before it). Two values make a range. Reports are weekly unless the
period names a month or ``granularity`` says otherwise.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from epibridge.epidata.codes import Granularity
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

_VALUE = re.compile(r"(eq|ge|gt|le|lt)?(\d{4})(?:-W(\d{2})|-(\d{2})(?:-(\d{2}))?)?")
_BAD_PERIOD = N_(
    "a period such as 2024-W05, 2024-01 or 2024-01-15, optionally prefixed ge, gt, le, lt or eq"
)


@dataclass(frozen=True)
class Span:
    """The days a period value names, and the granularity its precision suggests."""

    first: date
    last: date
    granularity: Granularity | None


def _span(text: str) -> tuple[str, Span]:
    match = _VALUE.fullmatch(text.strip())
    if match is None:
        raise ValueError(text)
    prefix, year, week, month, day = match.groups()
    y = int(year)
    if week is not None:
        monday = date.fromisocalendar(y, int(week), 1)
        return prefix or "eq", Span(monday, monday + timedelta(days=6), "week")
    if month is None:
        return prefix or "eq", Span(date(y, 1, 1), date(y, 12, 31), None)
    m = int(month)
    if day is None:
        last = calendar.monthrange(y, m)[1]
        return prefix or "eq", Span(date(y, m, 1), date(y, m, last), "month")
    one = date(y, m, int(day))
    return prefix or "eq", Span(one, one, None)


def period_range(values: list[str]) -> tuple[date | None, date | None, Granularity | None]:
    """The first and last day the ``period`` values allow, and the granularity they suggest."""
    start: date | None = None
    end: date | None = None
    granularity: Granularity | None = None
    for text in values:
        try:
            prefix, span = _span(text)
            low = {"eq": span.first, "ge": span.first, "gt": span.last + timedelta(days=1)}
            high = {"eq": span.last, "le": span.last, "lt": span.first - timedelta(days=1)}
        except (ValueError, OverflowError):
            raise InvalidInput(
                N_("the period is not a FHIR date search value"),
                [FieldError("period", _BAD_PERIOD, text)],
            ) from None
        granularity = granularity or span.granularity
        if prefix in low:
            start = max(start, low[prefix]) if start else low[prefix]
        if prefix in high:
            end = min(end, high[prefix]) if end else high[prefix]
    return start, end, granularity


def selector(
    *,
    states: list[str],
    disease: str | None,
    metric: str,
    area: str,
    period: list[str],
    granularity: str | None,
) -> SeriesSelector:
    """The selector of a MeasureReport search; every problem names its search parameter."""
    if not states or disease is None:
        missing = [name for name, given in (("state", states), ("disease", disease)) if not given]
        raise InvalidInput(
            N_("a MeasureReport search names the state and the disease"),
            [FieldError(name, N_("required")) for name in missing],
        )
    start, end, suggested = period_range(period)
    return SeriesSelector(
        disease=disease,
        states=tuple(states),
        metric=metric,
        area=area,
        granularity=granularity or suggested or "week",  # type: ignore[arg-type]
        start=start,
        end=end,
    )
