"""Nowcasting from the database: triangles, nowcasts and reporting delays, read as series are.

Every function here reads with the visibility of a series read (``queries.readable_states``):
members' data, the states named. The arithmetic is the pure NumPy of this package
(``chain_ladder``, ``intervals``); this module only reads the vintages and shapes results.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.epidata import queries
from epibridge.epidata.backdating import end_of_day
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.nowcasting import estimates, triangles
from epibridge.nowcasting.schemas import (
    NowcastPoint,
    NowcastRead,
    ReportingDelayRead,
    TriangleRead,
    TriangleRow,
    TriangleSeries,
)
from epibridge.security import Principal

#: The longest delay a triangle may have (a year of weeks), and the most periods it spans.
MAX_DELAY = 52
MAX_PERIODS = 520
METHODS: tuple[str, ...] = ("chain-ladder", "bayes")
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def as_of_moment(raw: str | None) -> datetime | None:
    """A face's as-of text: a day YYYY-MM-DD means the end of that day; else an ISO moment."""
    if raw is None or raw == "":
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            moment = end_of_day(date.fromisoformat(text))
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        # Far enough from the calendar's ends that periods and delays stay computable.
        if not _EARLIEST <= moment <= _LATEST:
            raise ValueError(text)
    except (ValueError, OverflowError):
        raise InvalidInput(
            N_("as_of must be a day YYYY-MM-DD or an ISO timestamp"),
            [FieldError("as_of", N_("a day YYYY-MM-DD or an ISO timestamp"), raw)],
        ) from None
    return moment


def at_as_of(selector: SeriesSelector, raw: str | None) -> SeriesSelector:
    """``selector`` read as known at a face's as-of text (see ``as_of_moment``)."""
    return dataclasses.replace(selector, as_of=as_of_moment(raw))


def _check_delay(max_delay: int) -> None:
    if not 1 <= max_delay <= MAX_DELAY:
        raise InvalidInput(
            N_("max_delay must be between 1 and {most}"),
            [
                FieldError(
                    "max_delay", N_("between 1 and {most}"), max_delay, params={"most": MAX_DELAY}
                )
            ],
            params={"most": MAX_DELAY},
        )


def _check_periods(count: int) -> None:
    if not 1 <= count <= MAX_PERIODS:
        raise InvalidInput(
            N_("periods must be between 1 and {most}"),
            [
                FieldError(
                    "periods", N_("between 1 and {most}"), count, params={"most": MAX_PERIODS}
                )
            ],
            params={"most": MAX_PERIODS},
        )


def selected_triangles(
    session: Session, actor: Principal, selector: SeriesSelector, max_delay: int, count: int
) -> tuple[list[tuple[str, bool]], triangles.Triangles]:
    """The selected series (state, synthetic), one per state named, and their triangles."""
    _check_delay(max_delay)
    selector.refuse(["start", "end"], N_("a triangle covers the last periods before as_of"))
    codes = queries.readable_states(session, actor, selector)
    meta = queries.series_meta(session, selector, codes)
    by_state = {state: (sid, synthetic) for sid, (state, synthetic) in meta.items()}
    present = [code for code in codes if code in by_state]
    built = triangles.build(
        session,
        series_ids=[by_state[code][0] for code in present],
        granularity=selector.granularity,
        max_delay=max_delay,
        as_of=selector.as_of or utcnow(),
        count=count,
    )
    return [(code, by_state[code][1]) for code in present], built


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def triangle(
    session: Session,
    *,
    actor: Principal,
    selector: SeriesSelector,
    max_delay: int,
    periods: int | None = None,
) -> TriangleRead:
    """The reporting triangle of each selected state's series over the last periods."""
    _check_delay(max_delay)
    count = 3 * max_delay if periods is None else periods
    _check_periods(count)
    chosen, built = selected_triangles(session, actor, selector, max_delay, count)
    return TriangleRead(
        disease=selector.disease,
        metric=selector.metric,
        classification=selector.classification,
        granularity=selector.granularity,
        max_delay=max_delay,
        as_of=built.as_of,
        series=[
            TriangleSeries(
                state=state,
                synthetic=synthetic,
                rows=[
                    TriangleRow(
                        period_start=start,
                        period_end=end,
                        values=[_number(v) for v in built.values[s, t]],
                    )
                    for t, (start, end) in enumerate(built.periods)
                ],
            )
            for s, (state, synthetic) in enumerate(chosen)
        ],
    )


def delay_shares(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(S, D + 1)`` share of the final count known at each delay, over complete periods.

    Volume-weighted (``Σ_t C[t, d] / Σ_t C[t, D]`` over the periods whose delay-``D`` value
    is known): the busy weeks weigh as much as the cases they hold. Also returns how many
    complete periods each series had.
    """
    complete = ~np.isnan(values[..., -1])
    known = np.where(complete[..., None], np.nan_to_num(values), 0.0)
    final = known[..., -1].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(final[:, None] > 0, known.sum(axis=-2) / final[:, None], np.nan)
    return shares, complete.sum(axis=-1)


def _first_reaching(shares: np.ndarray, level: float) -> int | None:
    if np.isnan(shares).all():
        return None
    reached = np.nonzero(shares >= level - 1e-12)[0]
    return int(reached[0]) if len(reached) else None


def reporting_delay(
    session: Session,
    *,
    actor: Principal,
    selector: SeriesSelector,
    max_delay: int = 8,
    periods: int = 52,
) -> list[ReportingDelayRead]:
    """Median and 90th-percentile reporting delay (in periods) of each selected state."""
    _check_periods(periods)
    chosen, built = selected_triangles(session, actor, selector, max_delay, periods + max_delay)
    shares, counts = delay_shares(built.values)
    return [
        ReportingDelayRead(
            state=state,
            disease=selector.disease,
            synthetic=synthetic,
            periods=int(counts[s]),
            share_by_delay=[_number(v) for v in shares[s]],
            median_delay=_first_reaching(shares[s], 0.5),
            p90_delay=_first_reaching(shares[s], 0.9),
        )
        for s, (state, synthetic) in enumerate(chosen)
    ]


def nowcast(
    session: Session,
    *,
    actor: Principal,
    selector: SeriesSelector,
    max_delay: int,
    method: str = "chain-ladder",
) -> NowcastRead:
    """The last ``3 × D`` periods of one state's series: observed, nowcast and quantiles.

    The methods learn from a longer history (``estimates.history_periods``); a complete
    period (its delay-``D`` value known) nowcasts to what is observed at the as-of moment.
    """
    state = selector.one_state()
    if method not in METHODS:
        raise InvalidInput(
            N_("unknown method"),
            [FieldError("method", N_("one of {choices}"), method, params={"choices": METHODS})],
        )
    shown = 3 * max_delay
    count = estimates.history_periods(max_delay, shown)
    chosen, built = selected_triangles(session, actor, selector, max_delay, count)
    if not chosen:
        return NowcastRead(
            state=state, synthetic=False, as_of=built.as_of, method=method, points=[]
        )
    point, quantiles = estimates.nowcast(built.with_observed_edge(), built.observed, method=method)
    first = count - shown
    return NowcastRead(
        state=state,
        synthetic=chosen[0][1],
        as_of=built.as_of,
        method=method,
        points=[
            NowcastPoint(
                period_start=start,
                observed=_number(built.observed[0, t]),
                nowcast=_number(point[0, t]),
                **{
                    name: _number(quantiles[0, t, q])
                    for q, name in enumerate(("q05", "q25", "q50", "q75", "q95"))
                },
            )
            for t, (start, _) in enumerate(built.periods)
            if t >= first
        ],
    )
