"""The nowcast and the short-term forecast beyond it, as the faces that draw them need them.

One call of the service's ``nowcast`` (the same as ``GET /api/v1/data/nowcast``), then the
random walk of ``forecast`` on its corrected periods: the curve page, the weekly report and
detection all read the same numbers as the API, never a copy of its rules.
"""

from __future__ import annotations

import calendar
import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from epibridge.epidata.codes import Granularity
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting import forecast, service, triangles
from epibridge.nowcasting.schemas import NowcastPoint, NowcastRead
from epibridge.security import Principal

#: The delay learnt when a face does not choose one: two months of weeks.
DEFAULT_MAX_DELAY = 8
HORIZONS = 4
_NAMES = ("q05", "q25", "q50", "q75", "q95")


@dataclass(frozen=True)
class Band:
    """One period of a nowcast or a forecast: its median and its 50% and 90% intervals."""

    period_start: date
    q05: float
    q25: float
    q50: float
    q75: float
    q95: float


@dataclass(frozen=True)
class Outlook:
    """A state's nowcast over its incomplete periods and the forecast after the last one."""

    state: str
    synthetic: bool
    nowcast: list[Band]
    forecast: list[Band]
    #: Every shown period's corrected value: observed if complete, else the nowcast median.
    corrected: dict[date, float]
    #: Every shown period's value as known at the as-of moment.
    observed: dict[date, float]


def is_incomplete(point: NowcastPoint) -> bool:
    """A period still developing: its interval is not the observed value alone."""
    return point.q05 is not None and (point.q05 != point.q95 or point.q50 != point.observed)


def _band(start: date, values: list[float]) -> Band:
    return Band(start, *(float(v) for v in values))


def _period_end(start: date, granularity: Granularity) -> date:
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _next_starts(last_end: date, granularity: Granularity, horizons: int) -> list[date]:
    return [
        triangles.last_period(triangles.cutoff_day(last_end, h, granularity), granularity)[0]
        for h in range(1, horizons + 1)
    ]


def outlook_of(read: NowcastRead, granularity: Granularity, horizons: int = HORIZONS) -> Outlook:
    """The bands of a nowcast the service computed, and the random walk forecast after it."""
    corrected = {
        p.period_start: float(p.q50 if is_incomplete(p) else p.observed)  # type: ignore[arg-type]
        for p in read.points
        if p.q50 is not None and (p.observed is not None or is_incomplete(p))
    }
    bands = [
        _band(p.period_start, [getattr(p, n) for n in _NAMES])
        for p in read.points
        if is_incomplete(p)
    ]
    ahead: list[Band] = []
    if read.points and read.points[-1].q50 is not None:
        last = read.points[-1]
        series = np.array([[p.nowcast if p.nowcast is not None else np.nan for p in read.points]])
        quantiles = np.array([[getattr(last, n) for n in _NAMES]], dtype=np.float64)
        values = forecast.random_walk_forecast(series, quantiles, horizons=horizons)[0]
        last_end = _period_end(last.period_start, granularity)
        starts = _next_starts(last_end, granularity, horizons)
        ahead = [_band(s, list(row)) for s, row in zip(starts, values, strict=True)]
    observed = {p.period_start: p.observed for p in read.points if p.observed is not None}
    return Outlook(read.state, read.synthetic, bands, ahead, corrected, observed)


def outlook(
    session: Session,
    *,
    actor: Principal,
    selector: SeriesSelector,
    max_delay: int = DEFAULT_MAX_DELAY,
    horizons: int = HORIZONS,
) -> Outlook:
    """One state's nowcast (the service's) and forecast, whatever range the selector has."""
    whole = dataclasses.replace(selector, start=None, end=None)
    read = service.nowcast(session, actor=actor, selector=whole, max_delay=max_delay)
    return outlook_of(read, selector.granularity, horizons)
