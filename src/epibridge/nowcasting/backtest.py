"""Replay of past nowcast dates on a full triangle: the track record of a method.

For each past nowcast date (``lag`` periods before the last period of ``values``), every
cell not yet known then is hidden (``triangle.truncate``), the method nowcasts (with
intervals, and forecasts ``1 … H`` periods ahead), and each estimate is scored against the
value known now. Only targets that are *final* now (known at delay ``D``) are scored, so a
score never compares two guesses; the rest are NaN. The naive baseline is the latest value
as reported at that date (and, for forecasts, the last period's latest value held flat),
scored by the same rules — a point forecast's WIS is its absolute error.

Everything a nowcast uses at a date was known at that date: the chain ladder's past-error
calibration only uses earlier nowcast dates whose periods were final by then
(``PastNowcastErrors.usable_at``). The past errors are computed once for all dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from epibridge.nowcasting import QUANTILES, chain_ladder
from epibridge.nowcasting.bayes import nowcast_bayes
from epibridge.nowcasting.forecast import random_walk_forecast
from epibridge.nowcasting.intervals import (
    default_calibration,
    fit_dispersion,
    past_nowcast_errors,
    quantiles_from_fit,
)
from epibridge.nowcasting.scoring import Scores, point_quantiles, score
from epibridge.nowcasting.triangle import as_triangles, latest_delay, truncate

Method = Literal["chain-ladder", "bayes"]
METHODS: tuple[str, ...] = ("chain-ladder", "bayes")
#: Periods a replayed nowcast date needs before it: two full delay spans.
MIN_HISTORY_SPANS = 2


@dataclass(frozen=True)
class Backtest:
    """Per-estimate values and scores; ``N`` nowcast dates, delay ``d`` = period ``T-1-lag-d``."""

    #: ``(N,)`` nowcast dates, as periods before the last period of the triangle.
    lags: np.ndarray
    #: ``(S, N, D)`` value known now (NaN when not final now) of the period then at delay d.
    targets: np.ndarray
    #: ``(S, N, D, Q)`` the method's quantiles; ``(S, N, D)`` its point nowcast.
    quantiles: np.ndarray
    point: np.ndarray
    #: ``(S, N, D)`` latest as reported at that date.
    naive: np.ndarray
    #: ``(S, N, H)`` targets of periods ``T - lag + h - 1``; ``(S, N, H, Q)`` forecasts.
    forecast_targets: np.ndarray
    forecast_quantiles: np.ndarray
    forecast_naive: np.ndarray
    nowcast_scores: Scores
    naive_scores: Scores
    forecast_scores: Scores
    forecast_naive_scores: Scores

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean scores over every series and date, per estimate kind."""
        parts = {
            "nowcast": self.nowcast_scores,
            "naive": self.naive_scores,
            "forecast": self.forecast_scores,
            "forecast_naive": self.forecast_naive_scores,
        }
        return {name: {k: float(v) for k, v in s.summary().items()} for name, s in parts.items()}


def default_lags(n_period: int, max_delay: int) -> list[int]:
    """Every date whose incomplete periods are final now and that has enough history."""
    first = max(max_delay, 1)
    last = n_period - 1 - MIN_HISTORY_SPANS * (max_delay + 1)
    return list(range(first, last + 1))


def backtest(
    values: ArrayLike,
    *,
    method: Method = "chain-ladder",
    lags: Sequence[int] | None = None,
    horizons: int = 4,
    calibration: int | None = None,
    draws: int = 200,
    levels: tuple[float, ...] = QUANTILES,
) -> Backtest:
    """Replay ``method`` at each of ``lags`` (default ``default_lags``) and score it."""
    if method not in METHODS:
        raise ValueError(f"unknown nowcasting method {method!r}; expected one of {METHODS}")
    tri = as_triangles(values)
    _, n_period, n_delay = tri.shape
    max_delay = n_delay - 1
    if max_delay < 1:
        raise ValueError("a backtest needs a maximum delay of at least 1")
    replay = list(default_lags(n_period, max_delay) if lags is None else lags)
    if not replay or min(replay) < 1 or max(replay) >= n_period - 1:
        raise ValueError(f"nowcast dates must lie 1 … {n_period - 2} periods back")
    window = default_calibration(max_delay) if calibration is None else calibration
    final_now = np.where(latest_delay(tri) == max_delay, tri[..., max_delay], np.nan)
    errors = past_nowcast_errors(tri, max(replay) + window) if method == "chain-ladder" else None
    rows = []
    for lag in replay:
        past = truncate(tri, lag)
        fit = chain_ladder.fit(past)
        if errors is not None:
            usable = errors.usable_at(lag, window)
            inv = fit_dispersion(errors.predicted, errors.realised, usable)
            q = quantiles_from_fit(fit, inv, levels)
            point = fit.nowcast
        else:
            bayes = nowcast_bayes(past, draws=draws, levels=levels)
            q, point = bayes.quantiles, bayes.mean
        rows.append(_replay_one(lag, fit, q, point, final_now, horizons, levels))
    stacked = [np.stack(parts, axis=1) for parts in zip(*rows, strict=True)]
    targets, quantiles, point, naive, f_targets, f_quantiles, f_naive = stacked
    return Backtest(
        lags=np.asarray(replay),
        targets=targets,
        quantiles=quantiles,
        point=point,
        naive=naive,
        forecast_targets=f_targets,
        forecast_quantiles=f_quantiles,
        forecast_naive=f_naive,
        nowcast_scores=score(targets, quantiles, levels),
        naive_scores=score(targets, point_quantiles(naive, levels), levels),
        forecast_scores=score(f_targets, f_quantiles, levels),
        forecast_naive_scores=score(f_targets, point_quantiles(f_naive, levels), levels),
    )


def _replay_one(
    lag: int,
    fit: chain_ladder.ChainLadderFit,
    quantiles: np.ndarray,
    point: np.ndarray,
    final_now: np.ndarray,
    horizons: int,
    levels: tuple[float, ...],
) -> tuple[np.ndarray, ...]:
    """Values at one nowcast date, laid out by delay (nowcasts) and horizon (forecasts)."""
    n_then = fit.nowcast.shape[1]
    max_delay = fit.cumulative.shape[-1] - 1
    delays = np.arange(max_delay)
    periods = n_then - 1 - delays
    inside = periods >= 0
    take = np.where(inside, periods, 0)
    blank = np.where(inside, 0.0, np.nan)  # a period before the series began
    targets = final_now[:, take] + blank
    q = quantiles[:, take] + blank[:, None]
    corrected = np.where(np.isnan(point), fit.latest, point)
    forecast = random_walk_forecast(corrected, quantiles[:, -1], horizons, levels=levels)
    ahead = n_then - 1 + np.arange(1, horizons + 1)
    known = ahead < final_now.shape[1]
    f_targets = final_now[:, np.where(known, ahead, 0)] + np.where(known, 0.0, np.nan)
    f_naive = np.repeat(fit.latest[:, -1:], horizons, axis=1)
    return (
        targets,
        q,
        point[:, take] + blank,
        fit.latest[:, take] + blank,
        f_targets,
        forecast,
        f_naive,
    )
