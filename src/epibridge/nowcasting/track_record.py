"""The track record of nowcasts from the database: a backtest of the selected series, scored.

The triangle is read as known at the as-of moment (default now); ``backtest.backtest``
replays each past nowcast date with only the cells known then and scores against the values
final now, with the naive "latest as reported" scored beside it, so the gain is visible.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.nowcasting import backtest as replay
from epibridge.nowcasting.schemas import BacktestRead, BacktestRow
from epibridge.nowcasting.scoring import Scores
from epibridge.nowcasting.service import MAX_PERIODS, METHODS, selected_triangles
from epibridge.security import Principal

_KINDS = ("nowcast", "naive", "forecast", "forecast_naive")


def _value(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def _rows(state: str, kind: str, scores: Scores, series: int | None) -> list[BacktestRow]:
    """One row per delay (from 0) or forecast horizon (from 1: one period ahead);
    ``series`` None: means over every series."""
    first = 1 if kind.startswith("forecast") else 0
    axis = (0, 1) if series is None else 1
    summary = scores.summary(axis=axis)
    pick = (lambda a: a) if series is None else (lambda a: a[series])
    return [
        BacktestRow(
            state=state,
            estimate=kind,
            step=step + first,
            wis=_value(pick(summary["wis"])[step]),
            coverage_50=_value(pick(summary["coverage_50"])[step]),
            coverage_90=_value(pick(summary["coverage_90"])[step]),
            bias=_value(pick(summary["bias"])[step]),
            n=int(pick(summary["n"])[step]),
        )
        for step in range(pick(summary["n"]).shape[0])
    ]


def backtest(
    session: Session,
    *,
    actor: Principal,
    selector: SeriesSelector,
    max_delay: int,
    periods: int = 104,
    method: str = "chain-ladder",
    horizons: int = 4,
) -> BacktestRead:
    """Replay nowcasts (and 1..``horizons`` forecasts) over the last ``periods`` periods."""
    if method not in METHODS:
        raise InvalidInput(
            N_("unknown method"),
            [FieldError("method", N_("one of {choices}"), method, params={"choices": METHODS})],
        )
    least = max_delay + 2 * (max_delay + 1) + 1
    if not least <= periods <= MAX_PERIODS:
        raise InvalidInput(
            N_("periods must be between {least} and {most} for this max_delay"),
            [
                FieldError(
                    "periods",
                    N_("between {least} and {most}"),
                    periods,
                    params={"least": least, "most": MAX_PERIODS},
                )
            ],
            params={"least": least, "most": MAX_PERIODS},
        )
    chosen, built = selected_triangles(session, actor, selector, max_delay, periods)
    rows: list[BacktestRow] = []
    summary: list[BacktestRow] = []
    if chosen:
        result = replay.backtest(built.values, method=method, horizons=horizons)  # type: ignore[arg-type]
        parts = dict(
            zip(
                _KINDS,
                (
                    result.nowcast_scores,
                    result.naive_scores,
                    result.forecast_scores,
                    result.forecast_naive_scores,
                ),
                strict=True,
            )
        )
        for kind, scores in parts.items():
            summary += _rows("ALL", kind, scores, None)
            for s, (state, _) in enumerate(chosen):
                rows += _rows(state, kind, scores, s)
    return BacktestRead(
        disease=selector.disease,
        granularity=selector.granularity,
        max_delay=max_delay,
        method=method,
        as_of=built.as_of,
        periods=periods,
        summary=summary,
        rows=rows,
    )
