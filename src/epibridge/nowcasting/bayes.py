"""Bayesian truncation nowcast (the NobBS / ``surveillance::bayes.trunc`` family), conjugate.

Model, per series:

* Each case of period ``t`` is reported after a delay ``d ∈ 0 … D`` drawn from the
  series' delay distribution ``p``; the period's cases arrive as a Poisson process of
  total intensity ``λ_t``, so its final count is ``Poisson(λ_t)`` and the count known at
  delay ``d`` is ``Poisson(λ_t F(d))``, ``F`` the delay CDF.
* Prior on ``p``: Dirichlet with every ``α_d = DELAY_PRIOR`` (= 1, uniform on the simplex).
  A Dirichlet is a generalised Dirichlet in the reverse-time hazards
  ``r_k = p_k / F(k)`` (``k = 1 … D``): independent ``Beta(α_k, α_0 + … + α_{k-1})``.
  Those hazards are conjugate to right-truncated reports: of the ``C[t, k]`` cases known
  at delay ``k``, ``C[t, k] - C[t, k-1]`` arrived at ``k`` and ``C[t, k-1]`` before, so
  ``r_k | data ~ Beta(α_k + Σ_t (C[t,k] - C[t,k-1])⁺, Σ_{j<k} α_j + Σ_t C[t,k-1])`` over
  the periods with both delays known (the last ``window`` periods, all by default).
  This is the Bayesian counterpart of the chain ladder: ``E[1 - r_k] ≈ 1 / f_{k-1}``.
* Prior on each period's total intensity: ``λ_t ~ Gamma(TOTAL_SHAPE, TOTAL_RATE)`` =
  Gamma(0.5, 0.001), vague (mean 500, sd ≈ 707). Given ``p``, ``λ_t | C[t, d] ~
  Gamma(0.5 + C[t, d], 0.001 + F(d))`` and the not-yet-reported part is
  ``Poisson(λ_t (1 - F(d)))``.

The posterior predictive of the final count ``C[t, d] + remainder`` is sampled: ``draws``
delay distributions from the hazards' Beta posteriors, then one gamma and one Poisson draw
per period and delay distribution, from a generator seeded with ``seed`` — the same input
gives the same quantiles. Complete periods are their observed value. The model takes the
delay distribution as the same every period (as NobBS does within its window): week-to-week
variation in reporting is not in the intervals, so ``window`` is the lever when delays drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from epibridge.nowcasting import QUANTILES
from epibridge.nowcasting.triangle import as_triangles, latest, latest_delay

DELAY_PRIOR = 1.0
TOTAL_SHAPE = 0.5
TOTAL_RATE = 0.001
DEFAULT_DRAWS = 400
DEFAULT_SEED = 20240615


@dataclass(frozen=True)
class BayesNowcast:
    #: ``(S, T)`` posterior predictive mean of each period's final count.
    mean: np.ndarray
    #: ``(S, T, Q)`` posterior predictive quantiles.
    quantiles: np.ndarray
    #: ``(S, D + 1)`` posterior mean of the delay distribution (sampled).
    delay_pmf: np.ndarray


def hazard_posterior(values: np.ndarray, window: int | None = None) -> tuple[np.ndarray, ...]:
    """Beta parameters ``(S, D)`` of the reverse hazards ``r_1 … r_D`` (module docstring)."""
    tri = values if window is None else values[:, -window:]
    earlier, later = tri[..., :-1], tri[..., 1:]
    pair = ~np.isnan(earlier) & ~np.isnan(later)
    arrived = np.where(pair, np.maximum(later - earlier, 0.0), 0.0).sum(axis=1)
    before = np.where(pair, earlier, 0.0).sum(axis=1)
    n_delay = values.shape[-1]
    prior = np.full(n_delay, DELAY_PRIOR)
    return prior[1:] + arrived, np.cumsum(prior)[:-1] + before


def _delay_cdfs(a: np.ndarray, b: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``(S, M, D + 1)`` sampled CDFs ``F(0) … F(D) = 1``."""
    hazards = rng.beta(a[:, None, :], b[:, None, :], size=(a.shape[0], draws, a.shape[1]))
    stay = np.cumprod((1.0 - hazards)[..., ::-1], axis=-1)[..., ::-1]
    return np.concatenate([stay, np.ones((*stay.shape[:-1], 1))], axis=-1)


def nowcast_bayes(
    values: ArrayLike,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    window: int | None = None,
    levels: tuple[float, ...] = QUANTILES,
) -> BayesNowcast:
    """Posterior predictive of every period's final count (module docstring)."""
    tri = as_triangles(values)
    n_series, _, n_delay = tri.shape
    rng = np.random.default_rng(seed)
    delay = latest_delay(tri)
    observed = latest(tri)
    mean = observed.copy()
    quantiles = np.repeat(observed[..., None], len(levels), axis=-1)
    if n_delay == 1:
        return BayesNowcast(mean, quantiles, np.ones((n_series, 1)))
    cdf = _delay_cdfs(*hazard_posterior(tri, window), draws, rng)
    pmf = np.diff(cdf, axis=-1, prepend=0.0).mean(axis=1)
    incomplete = (delay >= 0) & (delay < n_delay - 1)
    columns = np.flatnonzero(incomplete.any(axis=0))
    if columns.size:
        d = np.clip(delay[:, columns], 0, n_delay - 1)
        known = np.take_along_axis(
            cdf, np.broadcast_to(d[:, None, :], (n_series, draws, d.shape[1])), axis=-1
        )
        count = np.nan_to_num(observed[:, columns])[:, None, :]
        rate = rng.gamma(TOTAL_SHAPE + count, 1.0 / (TOTAL_RATE + known))
        final = count + rng.poisson(rate * (1.0 - known))
        use = incomplete[:, columns]
        mean[:, columns] = np.where(use, final.mean(axis=1), mean[:, columns])
        q = np.moveaxis(np.quantile(final, levels, axis=1, method="inverted_cdf"), 0, -1)
        quantiles[:, columns] = np.where(use[..., None], q, quantiles[:, columns])
    return BayesNowcast(mean, quantiles, pmf)
