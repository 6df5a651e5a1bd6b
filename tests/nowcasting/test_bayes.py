"""Bayesian truncation model: conjugate posterior, an independent scipy sampler, coverage."""

from __future__ import annotations

import numpy as np
from scipy import stats

from epibridge.nowcasting.bayes import (
    DELAY_PRIOR,
    TOTAL_RATE,
    TOTAL_SHAPE,
    hazard_posterior,
    nowcast_bayes,
)
from epibridge.nowcasting.synthetic import synthetic_histories

NAN = np.nan


def test_hazard_posterior_counts_arrivals_and_earlier_reports() -> None:
    tri = np.array([[[2.0, 5.0, 6.0], [1.0, 4.0, NAN], [3.0, NAN, NAN]]])
    a, b = hazard_posterior(tri)
    # r_1: arrivals at delay 1 = (5-2) + (4-1); earlier = 2 + 1; prior Beta(1, 1)
    # r_2: arrivals at delay 2 = 1; earlier = 5; prior Beta(1, 2)
    np.testing.assert_allclose(a, [[DELAY_PRIOR + 6, DELAY_PRIOR + 1]])
    np.testing.assert_allclose(b, [[DELAY_PRIOR + 3, 2 * DELAY_PRIOR + 5]])


def test_predictive_matches_an_independent_sampler() -> None:
    """One delay (D = 1): Beta hazard, gamma total, Poisson remainder, drawn with scipy."""
    tri = np.array([[[20.0, 30.0], [10.0, 16.0], [25.0, 40.0], [12.0, NAN]]])
    ours = nowcast_bayes(tri, draws=200_000, seed=3)
    rng = np.random.default_rng(99)
    hazard = stats.beta(1 + (10 + 6 + 15), 1 + (20 + 10 + 25)).rvs(200_000, random_state=rng)
    f0 = 1 - hazard
    rate = stats.gamma(TOTAL_SHAPE + 12, scale=1 / (TOTAL_RATE + f0)).rvs(random_state=rng)
    final = 12 + stats.poisson(rate * (1 - f0)).rvs(random_state=rng)
    reference = np.quantile(final, [0.05, 0.25, 0.5, 0.75, 0.95], method="inverted_cdf")
    np.testing.assert_allclose(ours.quantiles[0, 3], reference, atol=1.0)
    assert abs(ours.mean[0, 3] - final.mean()) < 0.1
    np.testing.assert_array_equal(ours.quantiles[0, :3], np.repeat(tri[0, :3, 1:], 5, axis=1))


def test_recovers_the_known_delay_distribution_and_covers() -> None:
    """SYNTHETIC histories with known delay distributions."""
    history = synthetic_histories(300, 80, 6, seed=8)
    result = nowcast_bayes(history.known_at_end())
    np.testing.assert_allclose(result.delay_pmf, history.delay_pmf, atol=0.03)
    q = result.quantiles[:, -6:]
    final = history.full[:, -6:, -1]
    cover90 = np.mean((final >= q[..., 0]) & (final <= q[..., 4]))
    assert 0.8 <= cover90 <= 0.97


def test_same_seed_same_draws() -> None:
    tri = synthetic_histories(5, 30, 4, seed=1).known_at_end()
    a = nowcast_bayes(tri, seed=5).quantiles
    np.testing.assert_array_equal(a, nowcast_bayes(tri, seed=5).quantiles)
    assert not np.array_equal(a, nowcast_bayes(tri, seed=6, draws=50).quantiles)


def test_empty_series_and_single_delay_are_defined() -> None:
    tri = synthetic_histories(2, 20, 3, seed=4).known_at_end()
    tri[1] = np.nan
    result = nowcast_bayes(tri)
    assert np.isnan(result.quantiles[1]).all() and np.isfinite(result.quantiles[0]).all()
    single = nowcast_bayes(tri[..., :1])
    np.testing.assert_array_equal(single.quantiles[0, :, 2], tri[0, :, 0])
