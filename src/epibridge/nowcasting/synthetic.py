"""SYNTHETIC reporting histories with known delay distributions, for tests, benchmarks, demos.

Nothing here is real data: every triangle it makes is synthetic and must be labelled so
wherever it shows. Counts follow a log-scale random walk with negative-binomial noise; each
period's cases are spread over delays by a Dirichlet-multinomial around the series' own
delay distribution, so reporting varies from period to period as it does in practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from epibridge.nowcasting.triangle import reporting_mask


@dataclass(frozen=True)
class SyntheticHistories:
    """``full``: every cell known, ``(S, T, D + 1)``; ``delay_pmf``: ``(S, D + 1)``."""

    full: np.ndarray
    delay_pmf: np.ndarray

    def known_at_end(self) -> np.ndarray:
        """The triangles as known at the end of the last period (lower right hidden)."""
        mask = reporting_mask(self.full.shape[-2], self.full.shape[-1])
        return np.where(mask, self.full, np.nan)


def geometric_delays(max_delay: int, mean_delay: np.ndarray) -> np.ndarray:
    """``(S, D + 1)`` truncated geometric delay pmfs: most reports come early."""
    ratio = (mean_delay / (1.0 + mean_delay))[:, np.newaxis]
    weights = ratio ** np.arange(max_delay + 1)[np.newaxis, :]
    return weights / weights.sum(axis=1, keepdims=True)


def synthetic_histories(
    n_series: int,
    n_period: int,
    max_delay: int,
    *,
    seed: int,
    level: float = 80.0,
    mean_delay: tuple[float, float] = (0.5, 3.0),
    concentration: float = 200.0,
    size: float = 20.0,
) -> SyntheticHistories:
    """SYNTHETIC triangles: ``level`` cases a period on average, delays known per series.

    ``mean_delay`` bounds the series' geometric mean delays; ``concentration`` is how
    closely each period follows its series' delay distribution (Dirichlet), ``size`` the
    NB size of the counts around the random walk.
    """
    rng = np.random.default_rng(seed)
    pmf = geometric_delays(max_delay, rng.uniform(*mean_delay, n_series))
    walk = np.cumsum(rng.normal(0.0, 0.12, (n_series, n_period)), axis=1)
    scale = rng.uniform(0.3, 1.5, (n_series, 1)) * level
    mu = scale * np.exp(walk - walk.mean(axis=1, keepdims=True))
    totals = rng.negative_binomial(size, size / (size + mu)).astype(np.int64)
    shares = rng.gamma(np.broadcast_to(pmf[:, None, :] * concentration, (*mu.shape, max_delay + 1)))
    shares /= shares.sum(axis=-1, keepdims=True)
    parts = np.zeros((*mu.shape, max_delay + 1))
    remaining = totals
    left = np.ones(mu.shape)
    for d in range(max_delay + 1):  # a multinomial as a chain of binomials, vectorised
        p = np.clip(shares[..., d] / np.maximum(left, 1e-12), 0.0, 1.0) if d < max_delay else 1.0
        got = rng.binomial(remaining, p)
        parts[..., d] = got
        remaining = remaining - got
        left = left - shares[..., d]
    return SyntheticHistories(np.cumsum(parts, axis=-1), pmf)
