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
_MAX_STEPS = 32


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


def _sums_through(cells: np.ndarray, partner: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``(S, L, D)``: ``Σ_{t <= bound[l, d]} cells[:, t, d]`` over periods where both are known.

    All periods' sum minus the sum after the bound: only the last ``L + D`` periods are
    touched twice, and einsum reduces without materialising the masked products.
    """
    n_period = cells.shape[1]
    known = ~np.isnan(cells) & ~np.isnan(partner)
    total = np.einsum("std,std->sd", np.nan_to_num(cells), known)
    start = max(0, int(bound.min()) + 1)
    tail = np.where(known[:, start:], cells[:, start:], 0.0)
    after = np.concatenate(  # after[:, j] = Σ_{t >= start + j}, with 0 past the end
        [np.cumsum(tail[:, ::-1], axis=1)[:, ::-1], np.zeros((cells.shape[0], 1, cells.shape[2]))],
        axis=1,
    )
    index = np.clip(bound + 1 - start, 0, n_period - start)
    picked = after[:, index, np.arange(cells.shape[2])[None, :]]
    return total[:, None, :] - picked


def past_nowcast_errors(values: np.ndarray, max_lag: int) -> PastNowcastErrors:
    """The chain ladder as it would have run at each of the ``max_lag`` earlier dates.

    Equal to ``chain_ladder.fit(truncate(values, lag))`` for every lag (tested), but in one
    pass: a pair of delays ``(d, d + 1)`` of period ``t`` was known at lag ``k`` exactly
    when ``t + d + 1 <= T - 1 - k``, so each lag's factor sums are a cumulative sum over
    periods read at that bound.
    """
    _, n_period, n_delay = values.shape
    max_delay = n_delay - 1
    lags = np.arange(1, max(0, min(max_lag, n_period - 1)) + 1)
    if lags.size == 0:  # a single period: no earlier nowcast date
        empty = np.full((values.shape[0], 0, max_delay), np.nan)
        return PastNowcastErrors(lags, empty, empty.copy())
    # last period whose pair (d, d + 1) was known at each lag: (L, D)
    delays = np.arange(max_delay)
    bound = n_period - 2 - lags[:, None] - delays[None, :]
    num = _sums_through(values[..., 1:], values[..., :-1], bound)
    den = _sums_through(values[..., :-1], values[..., 1:], bound)
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


def _nb_cdf_pmf(k: np.ndarray, mu: np.ndarray, inv: np.ndarray) -> tuple[np.ndarray, ...]:
    """CDF and pmf at integer ``k >= 0`` of NB(mean ``mu``, ``1/φ = inv``); Poisson at 0."""
    poisson = inv <= 0
    size = 1.0 / np.where(poisson, 1.0, inv)
    p = size / (size + mu)
    log_nb = (
        special.gammaln(k + size)
        - special.gammaln(size)
        - special.gammaln(k + 1.0)
        + size * np.log(p)
        + k * np.log1p(-p)
    )
    log_poisson = -mu + k * np.log(mu) - special.gammaln(k + 1.0)
    cdf = np.where(poisson, special.gammaincc(k + 1.0, mu), special.betainc(size, k + 1.0, p))
    return cdf, np.exp(np.where(poisson, log_poisson, log_nb))


def _step_ratio(k: np.ndarray, mu: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """``pmf(k + 1) / pmf(k)``: NB ``(k + φ)/(k + 1) · μ/(μ + φ)``, Poisson ``μ/(k + 1)``."""
    return mu * (1.0 + inv * k) / ((k + 1.0) * (1.0 + inv * mu))


def _discrete_quantile(q: np.ndarray, mu: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Smallest integer ``k`` with ``CDF(k) >= q`` (scipy's ``ppf``), for ``mu > 0``.

    A Cornish-Fisher guess and one exact CDF there, then steps of one along the pmf's
    recurrence for the few that are off: one incomplete beta per quantile instead of
    ``ppf``'s search (tested equal to scipy).
    """
    sd = np.sqrt(mu + inv * mu**2)
    skew = (1.0 + 2.0 * inv * mu) / sd
    z = special.ndtri(q)
    k = np.maximum(np.ceil(mu + sd * (z + skew * (z**2 - 1.0) / 6.0) - 0.5), 0.0)
    cdf, pmf = _nb_cdf_pmf(k, mu, inv)
    todo = np.arange(k.size)
    for _ in range(_MAX_STEPS):
        up = cdf[todo] < q[todo]
        down = ~up & (k[todo] > 0) & (cdf[todo] - pmf[todo] >= q[todo])
        i, j = todo[up], todo[down]
        pmf[i] *= _step_ratio(k[i], mu[i], inv[i])
        k[i] += 1.0
        cdf[i] += pmf[i]
        cdf[j] -= pmf[j]
        k[j] -= 1.0
        pmf[j] /= _step_ratio(k[j], mu[j], inv[j])
        todo = todo[up | down]
        if todo.size == 0:
            return k
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
    out = np.repeat(fit.latest[..., np.newaxis], len(levels), axis=-1)
    s, t = np.nonzero((fit.latest_delay >= 0) & (fit.latest_delay < n_delay - 1))
    if s.size:  # only the incomplete periods: a few per series
        inv = np.broadcast_to(inverse_dispersion, (fit.nowcast.shape[0], n_delay - 1))
        remainder = fit.nowcast[s, t] - fit.latest[s, t]
        spread = nb_quantiles(remainder, inv[s, fit.latest_delay[s, t]], levels)
        out[s, t] = fit.latest[s, t, np.newaxis] + spread
    return out


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
