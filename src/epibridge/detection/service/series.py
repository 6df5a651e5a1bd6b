"""Series as detection reads them: from the epidemic database as known at a moment, on a
regular grid (missing periods are NaN, never zero), and which methods each can take.

Member states' series are read only through ``epidata.queries``; reference datasets through
``epidata.reference``. Nothing here writes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from epibridge.detection.methods import METHODS, history_needed, run_method
from epibridge.detection.result import DetectionResult
from epibridge.detection.schemas import SeriesThresholds, ThresholdPoint
from epibridge.epidata import queries, reference
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.security import Principal

Granularity = Literal["week", "month"]
FREQUENCY: dict[str, int] = {"week": 52, "month": 12}
SCO = "sco"
REFERENCE_PREFIX = "reference:"
#: Methods run on a series with b years plus w periods of history, per granularity, and the
#: one a short series falls back to. Monthly series take Farrington (1996): Noufaily's ten
#: seasonal blocks do not fit between its reference windows when a year has 12 periods.
LONG_METHODS: dict[str, tuple[str, ...]] = {
    "week": ("noufaily", "ears-c1"),
    "month": ("farrington", "ears-c1"),
}
SHORT_METHODS: tuple[str, ...] = ("ears-c1",)


@dataclass(frozen=True)
class SeriesKey:
    dataset: str
    state: str
    area: str
    disease: str
    metric: str
    classification: str


@dataclass(frozen=True)
class LoadedSeries:
    """One series on a regular grid of periods; ``counts`` holds NaN where nothing is known."""

    key: SeriesKey
    title: str
    synthetic: bool
    granularity: Granularity
    starts: list[date]
    ends: list[date]
    counts: np.ndarray
    #: Whether ``counts`` hold nowcast medians in place of incomplete periods (``corrected``).
    corrected: bool = False

    @property
    def dates(self) -> np.ndarray:
        return np.array(self.starts, dtype="datetime64[D]")


def _next_start(day: date, granularity: Granularity) -> date:
    if granularity == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _end_of(day: date, granularity: Granularity) -> date:
    if granularity == "week":
        return day + timedelta(days=6)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def on_grid(
    key: SeriesKey,
    title: str,
    synthetic: bool,
    granularity: Granularity,
    points: list[tuple[date, int | None]],
) -> LoadedSeries | None:
    """Lay known values on consecutive periods from the first to the last known one."""
    known = {start: value for start, value in points if value is not None}
    if not known:
        return None
    first, last = min(known), max(known)
    starts: list[date] = []
    day = first
    while day <= last:
        starts.append(day)
        day = _next_start(day, granularity)
    counts = np.array([known.get(s, np.nan) for s in starts], dtype=float)
    ends = [_end_of(s, granularity) for s in starts]
    return LoadedSeries(key, title, synthetic, granularity, starts, ends, counts)


def sco_title(state: str, disease: str, metric: str, classification: str, area: str = "") -> str:
    where = f"{state} {area}".strip()
    return f"{disease} {metric} ({classification}), {where}"


def load_sco(
    session: Session, *, principal: Principal, selector: SeriesSelector
) -> LoadedSeries | None:
    """Read one member state's selected series on its grid; None when it has no value."""
    selector.one_state()
    if selector.granularity not in FREQUENCY:
        raise InvalidInput(
            "detection runs on weekly or monthly series",
            [FieldError("granularity", "week or month", selector.granularity)],
        )
    try:
        result = queries.series(session, principal=principal, selector=selector)
    except pl.exceptions.PolarsError:
        # epidata.queries fails on a selection that matches no series at all: nothing to read.
        return None
    item = result.series[0]
    key = SeriesKey(SCO, item.state, item.area, item.disease, item.metric, item.classification)
    title = sco_title(item.state, item.disease, item.metric, item.classification, item.area)
    return on_grid(
        key,
        title,
        item.synthetic,
        selector.granularity,  # type: ignore[arg-type]
        [(p.period_start, p.value) for p in item.points],
    )


def missing_series(selector: SeriesSelector) -> NotFound:
    """The answer when the selected state reported nothing of the series."""
    return NotFound(
        N_("no {metric} ({classification}) of {disease} reported by {state}"),
        [FieldError("disease", "no series", selector.disease)],
        params={
            "metric": selector.metric,
            "classification": selector.classification,
            "disease": selector.disease,
            "state": selector.one_state(),
        },
    )


def load_references(
    session: Session, *, principal: Principal, granularity: Granularity
) -> list[LoadedSeries]:
    """Every shipped reference dataset of this granularity (labelled with its dataset)."""
    found = []
    for item in reference.list_datasets(session, principal=principal):
        if item.frequency != granularity:
            continue
        dataset = reference.get_dataset(session, principal=principal, name=item.name)
        key = SeriesKey(REFERENCE_PREFIX + item.name, item.country_iso3, "", "", item.metric, "all")
        label = "SYNTHETIC " if item.synthetic else ""
        title = f"{label}reference dataset {item.name}: {item.title}"[:300]
        loaded = on_grid(
            key,
            title,
            item.synthetic,
            granularity,
            [(v.period_start, v.value) for v in dataset.values],
        )
        if loaded is not None:
            found.append(loaded)
    return found


def methods_for(series: LoadedSeries, first_monitored: int) -> tuple[str, ...]:
    """The methods a series gets: the long-history ones when it has enough, else EARS C1."""
    freq = FREQUENCY[series.granularity]
    chosen = LONG_METHODS[series.granularity]
    if first_monitored >= history_needed(chosen[0], freq):
        return chosen
    return SHORT_METHODS


def evaluate(
    series: LoadedSeries,
    method: str,
    monitored: np.ndarray,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, DetectionResult] | None:
    """Run ``method`` on the monitored indices that have enough history before them.

    ``counts`` (series x periods) runs a whole batch of series laid on ``series``' grid at once.
    """
    if method not in METHODS:
        raise InvalidInput(
            N_("unknown method '{method}'"),
            [FieldError("method", N_("one of {choices}"), params={"choices": METHODS})],
            params={"method": method},
        )
    freq = FREQUENCY[series.granularity]
    usable = monitored[monitored >= history_needed(method, freq)]
    if usable.size == 0:
        return None
    batch = series.counts[None, :] if counts is None else counts
    result = run_method(method, batch, usable, freq, series.dates)
    return usable, result


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity: a value R gives as NA travels as null."""
    return float(value) if np.isfinite(value) else None


def series_thresholds(
    session: Session, *, principal: Principal, selector: SeriesSelector, method: str = "ears-c1"
) -> SeriesThresholds:
    """Return expected value, upper bound and alarm per period of a series for one method.

    The method sees the series' whole history whatever range is asked: a baseline needs the
    years before the range, so ``start``/``end`` only clip the points returned (cutting the
    history would drop alarms inside the range, or leave the method without its baseline).
    """
    loaded = load_sco(
        session, principal=principal, selector=replace(selector, start=None, end=None)
    )
    if loaded is None:
        raise missing_series(selector)
    outcome = evaluate(loaded, method, np.arange(loaded.counts.size))
    needed = history_needed(method, FREQUENCY[loaded.granularity])
    rows: dict[int, tuple[float | None, float | None, bool | None]] = {}
    if outcome is not None:
        usable, result = outcome
        for position, index in enumerate(usable):
            alarm = result.alarm[0, position]
            rows[int(index)] = (
                finite_or_none(result.expected[0, position]),
                finite_or_none(result.upperbound[0, position]),
                None if np.isnan(alarm) else bool(alarm == 1.0),
            )
    return SeriesThresholds(
        state=loaded.key.state,
        disease=loaded.key.disease,
        metric=loaded.key.metric,
        classification=loaded.key.classification,
        method=method,
        as_of=selector.as_of,
        synthetic=loaded.synthetic,
        history_needed=needed,
        history_periods=int(loaded.counts.size),
        first_judged=next((loaded.starts[i] for i in sorted(rows) if rows[i][1] is not None), None),
        points=[
            ThresholdPoint(
                period_start=loaded.starts[i],
                period_end=loaded.ends[i],
                observed=finite_or_none(loaded.counts[i]),
                expected=rows.get(i, (None, None, None))[0],
                upperbound=rows.get(i, (None, None, None))[1],
                alarm=rows.get(i, (None, None, None))[2],
            )
            for i in range(loaded.counts.size)
            if _in_range(loaded.starts[i], loaded.ends[i], selector)
        ],
    )


def _in_range(period_start: date, period_end: date, selector: SeriesSelector) -> bool:
    """Whether a period lies inside the selector's range, as the series query keeps rows."""
    if selector.start is not None and period_start < selector.start:
        return False
    return selector.end is None or period_end <= selector.end
