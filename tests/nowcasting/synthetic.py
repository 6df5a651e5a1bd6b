"""Synthetic reporting histories with known delay distributions (SYNTHETIC: test data only)."""

from __future__ import annotations

import numpy as np

from epibridge.nowcasting.triangle import reporting_mask


def delay_distribution(max_delay: int, mean_delay: float) -> np.ndarray:
    """A geometric-like delay pmf on 0..D, renormalised: most reports come early."""
    weights = (mean_delay / (1.0 + mean_delay)) ** np.arange(max_delay + 1)
    return weights / weights.sum()


def synthetic_histories(
    n_series: int,
    n_period: int,
    max_delay: int,
    *,
    seed: int,
    mean_delay: float = 1.5,
    level: float = 80.0,
    concentration: float = 200.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Full synthetic triangles (every cell known) and their delay pmfs ``(S, D + 1)``.

    Counts follow a log-scale random walk around ``level`` with negative-binomial noise;
    each period's cases are spread over delays by a Dirichlet-multinomial around the
    series' delay distribution (``concentration`` sets how much it varies week to week).
    """
    rng = np.random.default_rng(seed)
    means = rng.uniform(0.5, 1.0, n_series)[:, None] * mean_delay * 2
    pmf = np.stack([delay_distribution(max_delay, m) for m in means[:, 0]])
    walk = np.cumsum(rng.normal(0.0, 0.12, (n_series, n_period)), axis=1)
    scale = rng.uniform(0.3, 1.5, (n_series, 1)) * level
    mu = scale * np.exp(walk - walk.mean(axis=1, keepdims=True))
    size = 20.0
    totals = rng.negative_binomial(size, size / (size + mu))
    per_period = rng.dirichlet(np.ones(max_delay + 1), (n_series, n_period))  # shape holder
    for s in range(n_series):
        per_period[s] = rng.dirichlet(pmf[s] * concentration, n_period)
    parts = np.zeros((n_series, n_period, max_delay + 1))
    for s in range(n_series):
        for t in range(n_period):
            parts[s, t] = rng.multinomial(totals[s, t], per_period[s, t])
    return np.cumsum(parts, axis=-1), pmf


def as_known_at_end(full: np.ndarray) -> np.ndarray:
    """The full triangles as known at the end of the last period (lower-right hidden)."""
    mask = reporting_mask(full.shape[-2], full.shape[-1])
    return np.where(mask, full, np.nan)
