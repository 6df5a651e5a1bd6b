"""Nowcast intervals calibrated on the errors of the series' own past nowcasts.

The idea of baselinenowcast: the part of a period's final count not yet reported, the
*remainder* ``R = C[t, D] - C[t, d]``, is negative binomial around the chain ladder's
predicted remainder ``μ = nowcast - C[t, d]``, with a dispersion per delay ``d`` learnt
from how far the chain ladder was off in the past:

1. For each earlier nowcast date (``lag`` periods back, ``lag = 1 … L``) the chain ladder
   is re-run on the triangle as it was then (``triangle.truncate``). For the period that
   was then at delay ``d`` and whose final value is known now, that gives one pair
   (predicted ``μ``, realised ``r``).
2. Per series and delay, the moment estimator of the NB's ``Var(R) = μ + μ²/φ``:
   ``1/φ_d = max(0, Σ (r - μ)² - Σ μ) / Σ μ²`` over its pairs — closed form, vectorised,
   and never negative (``1/φ = 0`` is the Poisson limit). A delay with fewer than
   ``min_samples`` pairs takes the series' estimate pooled over delays; a series with no
   pair at all is Poisson.
3. The quantiles of the final count are ``C[t, d]`` plus the NB quantiles of ``R`` with
   mean ``max(μ, 0)``; complete periods are their observed value, periods with nothing
   known ``NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from epibridge.nowcasting import QUANTILES, chain_ladder
from epibridge.nowcasting.chain_ladder import ChainLadderFit
from epibridge.nowcasting.triangle import as_triangles, truncate

#: Pairs a delay needs before its own dispersion is trusted over the pooled one.
MIN_SAMPLES = 3


def default_calibration(max_delay: int) -> int:
    """Past nowcast dates used: enough that even delay 0 gets about a dozen final values."""
    return max_delay + 12


@dataclass(frozen=True)
class PastNowcastErrors:
    """Predicted and realised remainders of the nowcasts made at earlier dates.

    Axis 1 is the lag ``lags[i]`` (periods before the nowcast date), axis 2 the delay
    ``d`` at which the period stood then; NaN where there is no pair.
    """

    lags: np.ndarray
    predicted: np.ndarray
    realised: np.ndarray

    def usable_at(self, lag: int, window: int) -> np.ndarray:
        """``(L, D)`` pairs a nowcast made ``lag`` periods back could have learnt from.

        Only nowcast dates of the ``window`` before it, and only periods whose final value
        was known by then: ``k + d - D >= lag`` for the pair made at lag ``k``.
        """
        n_delay = self.predicted.shape[-1]
        k = self.lags[:, np.newaxis]
        d = np.arange(n_delay)[np.newaxis, :]
        return (k > lag) & (k <= lag + window) & (k + d - n_delay >= lag)


def past_nowcast_errors(values: np.ndarray, max_lag: int) -> PastNowcastErrors:
    """Re-run the chain ladder at each of the ``max_lag`` earlier nowcast dates."""
    n_series, n_period, n_delay = values.shape
    max_delay = n_delay - 1
    lags = np.arange(1, max(0, min(max_lag, n_period - 1)) + 1)
    predicted = np.full((n_series, lags.size, max_delay), np.nan)
    realised = np.full_like(predicted, np.nan)
    final = values[..., max_delay]
    for i, lag in enumerate(lags):
        fit = chain_ladder.fit(truncate(values, int(lag)))
        last = n_period - lag - 1
        delays = np.arange(min(max_delay, last + 1))
        periods = last - delays
        at = fit.latest_delay[:, periods] == delays  # a period behind its delay is skipped
        observed = fit.latest[:, periods]
        predicted[:, i, delays] = np.where(at, fit.nowcast[:, periods] - observed, np.nan)
        realised[:, i, delays] = np.where(at, final[:, periods] - observed, np.nan)
    return PastNowcastErrors(lags, predicted, realised)


def fit_dispersion(
    predicted: np.ndarray,
    realised: np.ndarray,
    usable: np.ndarray | None = None,
    min_samples: int = MIN_SAMPLES,
) -> np.ndarray:
    """``(S, D)`` inverse NB dispersion ``1/φ_d`` by the moment estimator (module docstring)."""
    ok = ~np.isnan(predicted) & ~np.isnan(realised)
    if usable is not None:
        ok &= usable
    mu = np.where(ok, np.maximum(predicted, 0.0), 0.0)
    err = np.where(ok, realised - np.where(ok, predicted, 0.0), 0.0)
    excess = (err**2).sum(axis=1) - mu.sum(axis=1)
    scale = (mu**2).sum(axis=1)
    count = ok.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.maximum(excess, 0.0) / scale
        pooled = np.maximum(excess.sum(axis=1), 0.0) / scale.sum(axis=1)
    pooled = np.where(np.isfinite(pooled), pooled, 0.0)[:, np.newaxis]
    trusted = (count >= min_samples) & (scale > 0)
    return np.where(trusted, own, pooled)


def nb_quantiles(
    mean: np.ndarray, inverse_dispersion: np.ndarray, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """Quantiles ``(..., Q)`` of NB(mean, 1/φ) (Poisson where ``1/φ = 0``), elementwise."""
    mu = np.maximum(np.nan_to_num(mean, nan=0.0), 0.0)[..., np.newaxis]
    inv = np.broadcast_to(inverse_dispersion, mean.shape)[..., np.newaxis]
    q = np.asarray(levels)
    shape = np.broadcast_shapes(mu.shape, q.shape)
    out = np.zeros(shape)
    poisson = np.broadcast_to((inv <= 0) & (mu > 0), shape)
    negbin = np.broadcast_to((inv > 0) & (mu > 0), shape)
    mu_b, inv_b, q_b = (np.broadcast_to(a, shape) for a in (mu, inv, q))
    out[poisson] = stats.poisson.ppf(q_b[poisson], mu_b[poisson])
    size = 1.0 / inv_b[negbin]
    out[negbin] = stats.nbinom.ppf(q_b[negbin], size, size / (size + mu_b[negbin]))
    return np.where(np.isnan(mean)[..., np.newaxis], np.nan, out)


def quantiles_from_fit(
    fit: ChainLadderFit, inverse_dispersion: np.ndarray, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """``(S, T, Q)`` quantiles of the final counts, given the dispersion per delay."""
    n_delay = fit.cumulative.shape[-1]
    incomplete = (fit.latest_delay >= 0) & (fit.latest_delay < n_delay - 1)
    index = np.clip(fit.latest_delay, 0, n_delay - 2)
    inv = np.take_along_axis(inverse_dispersion, index, axis=-1)
    remainder = np.where(incomplete, fit.nowcast - fit.latest, np.nan)
    spread = nb_quantiles(remainder, inv, levels)
    observed = fit.latest[..., np.newaxis]
    return np.where(incomplete[..., np.newaxis], observed + spread, observed)


@dataclass(frozen=True)
class NowcastIntervals:
    fit: ChainLadderFit
    #: ``(S, D)`` inverse dispersion per delay.
    inverse_dispersion: np.ndarray
    #: ``(S, T, Q)`` quantiles ``QUANTILES`` of each period's final count.
    quantiles: np.ndarray


def nowcast_intervals(
    values: ArrayLike,
    *,
    calibration: int | None = None,
    min_samples: int = MIN_SAMPLES,
    levels: tuple[float, ...] = QUANTILES,
) -> NowcastIntervals:
    """Chain-ladder nowcast with NB quantiles from ``calibration`` past nowcast dates."""
    tri = as_triangles(values)
    max_delay = tri.shape[-1] - 1
    if max_delay == 0:
        fit = chain_ladder.fit(tri)
        return NowcastIntervals(fit, np.zeros((tri.shape[0], 0)), quantiles_from_fit(fit, 0))
    window = default_calibration(max_delay) if calibration is None else calibration
    errors = past_nowcast_errors(tri, window)
    inv = fit_dispersion(errors.predicted, errors.realised, min_samples=min_samples)
    fit = chain_ladder.fit(tri)
    return NowcastIntervals(fit, inv, quantiles_from_fit(fit, inv, levels))
