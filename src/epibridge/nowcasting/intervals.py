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
from scipy import special, stats

from epibridge.nowcasting import QUANTILES, chain_ladder
from epibridge.nowcasting.chain_ladder import ChainLadderFit
from epibridge.nowcasting.triangle import as_triangles

#: Pairs a delay needs before its own dispersion is trusted over the pooled one.
MIN_SAMPLES = 3
#: CDF steps from the Cornish-Fisher guess before falling back to scipy's search.
_MAX_STEPS = 8


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
    """The chain ladder as it would have run at each of the ``max_lag`` earlier dates.

    Equal to ``chain_ladder.fit(truncate(values, lag))`` for every lag (tested), but in one
    pass: a pair of delays ``(d, d + 1)`` of period ``t`` was known at lag ``k`` exactly
    when ``t + d + 1 <= T - 1 - k``, so each lag's factor sums are a cumulative sum over
    periods read at that bound.
    """
    n_series, n_period, n_delay = values.shape
    max_delay = n_delay - 1
    lags = np.arange(1, max(0, min(max_lag, n_period - 1)) + 1)
    known = ~np.isnan(values)
    filled = np.where(known, values, 0.0)
    pair = known[..., :-1] & known[..., 1:]
    upper = np.cumsum(np.where(pair, filled[..., 1:], 0.0), axis=1)
    lower = np.cumsum(np.where(pair, filled[..., :-1], 0.0), axis=1)
    delays = np.arange(max_delay)
    # last period whose pair (d, d + 1) was known at each lag: (L, D)
    bound = n_period - 2 - lags[:, None] - delays[None, :]
    index = np.broadcast_to(np.maximum(bound, 0), (n_series, *bound.shape))
    num = np.take_along_axis(upper, index, axis=1)
    den = np.take_along_axis(lower, index, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where((bound >= 0) & (den > 0), num / den, np.nan)
    cumulative = chain_ladder.cumulative_factors(factors)  # (S, L, D + 1)
    # the period at delay d at lag k, its value then, and its final value now
    period = n_period - 1 - lags[:, None] - delays[None, :]
    inside = period >= 0
    at = np.where(inside, period, 0)
    observed = values[:, at, delays[None, :]]
    observed = np.where(inside, observed, np.nan)
    predicted = observed * cumulative[..., :-1] - observed
    realised = values[:, at, max_delay] - observed
    return PastNowcastErrors(lags, predicted, np.where(inside, realised, np.nan))


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


def _nb_cdf(k: np.ndarray, mu: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """CDF at integer ``k >= 0`` of NB(mean ``mu``, ``1/φ = inv``); Poisson where ``inv = 0``."""
    poisson = inv <= 0
    size = np.where(poisson, 1.0, 1.0 / np.where(poisson, 1.0, inv))
    negbin = special.betainc(size, k + 1.0, size / (size + mu))
    return np.where(poisson, special.gammaincc(k + 1.0, mu), negbin)


def _discrete_quantile(q: np.ndarray, mu: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Smallest integer ``k`` with ``CDF(k) >= q`` (scipy's ``ppf``), for ``mu > 0``.

    A Cornish-Fisher guess, then exact CDF steps on the few that are off: about three
    incomplete-beta evaluations per quantile instead of ``ppf``'s search (tested equal).
    """
    var = mu + inv * mu**2
    sd = np.sqrt(var)
    skew = (1.0 + 2.0 * inv * mu) / sd
    z = special.ndtri(q)
    k = np.maximum(np.ceil(mu + sd * (z + skew * (z**2 - 1.0) / 6.0) - 0.5), 0.0)
    todo = np.arange(k.size)
    for _ in range(_MAX_STEPS):
        if todo.size == 0:
            return k
        kk, qq, mm, ii = k[todo], q[todo], mu[todo], inv[todo]
        up = _nb_cdf(kk, mm, ii) < qq
        down = ~up & (kk > 0)
        down[down] = _nb_cdf(kk[down] - 1.0, mm[down], ii[down]) >= qq[down]
        k[todo[up]] += 1.0
        k[todo[down]] -= 1.0
        todo = todo[up | down]
    size = 1.0 / np.maximum(inv[todo], 1e-300)
    k[todo] = np.where(  # a far-off guess: scipy's own search
        inv[todo] > 0,
        stats.nbinom.ppf(q[todo], size, size / (size + mu[todo])),
        stats.poisson.ppf(q[todo], mu[todo]),
    )
    return k


def nb_quantiles(
    mean: np.ndarray, inverse_dispersion: np.ndarray, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """Quantiles ``(..., Q)`` of NB(mean, 1/φ) (Poisson where ``1/φ = 0``), elementwise."""
    mu = np.maximum(np.nan_to_num(mean, nan=0.0), 0.0)
    shape = (*mu.shape, len(levels))
    mu_b = np.broadcast_to(mu[..., np.newaxis], shape)
    inv_b = np.broadcast_to(np.broadcast_to(inverse_dispersion, mu.shape)[..., np.newaxis], shape)
    q_b = np.broadcast_to(np.asarray(levels, dtype=np.float64), shape)
    out = np.zeros(shape)
    some = mu_b > 0
    out[some] = _discrete_quantile(q_b[some], mu_b[some], np.maximum(inv_b[some], 0.0))
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
