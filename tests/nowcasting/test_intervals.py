"""NB intervals: exact quantiles, the one-pass past errors, the dispersion estimator, coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from epibridge.nowcasting import chain_ladder
from epibridge.nowcasting.intervals import (
    fit_dispersion,
    nb_quantiles,
    nowcast_intervals,
    past_nowcast_errors,
)
from epibridge.nowcasting.synthetic import synthetic_histories
from epibridge.nowcasting.triangle import truncate

LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])


def test_nb_quantiles_equal_scipy() -> None:
    rng = np.random.default_rng(7)
    mu = np.exp(rng.uniform(-3, 7, 4000))
    inv = np.where(rng.random(4000) < 0.25, 0.0, np.exp(rng.uniform(-7, 1, 4000)))
    size = 1 / np.where(inv > 0, inv, 1.0)
    reference = np.where(
        inv[:, None] > 0,
        stats.nbinom.ppf(LEVELS, size[:, None], (size / (size + mu))[:, None]),
        stats.poisson.ppf(LEVELS, mu[:, None]),
    )
    np.testing.assert_array_equal(nb_quantiles(mu, inv), reference)
    assert (nb_quantiles(np.array([0.0]), np.array([0.3])) == 0).all()
    assert np.isnan(nb_quantiles(np.array([np.nan]), np.array([0.3]))).all()


def test_past_errors_are_the_chain_ladder_rerun_on_truncated_triangles() -> None:
    tri = synthetic_histories(20, 40, 5, seed=3).known_at_end()
    tri[tri > 70] = np.nan  # missing cells here and there
    errors = past_nowcast_errors(tri, 30)
    for i, lag in enumerate(errors.lags):
        fit = chain_ladder.fit(truncate(tri, int(lag)))
        for d in range(5):
            t = tri.shape[1] - 1 - lag - d
            if t < 0:
                continue
            at = fit.latest_delay[:, t] == d
            expected = np.where(at, fit.nowcast[:, t] - fit.latest[:, t], np.nan)
            np.testing.assert_allclose(errors.predicted[:, i, d], expected, rtol=1e-12)
            realised = np.where(at, tri[:, t, 5] - fit.latest[:, t], np.nan)
            np.testing.assert_allclose(errors.realised[:, i, d], realised, rtol=1e-12)


def test_dispersion_estimator_recovers_a_known_dispersion() -> None:
    rng = np.random.default_rng(11)
    mu = rng.uniform(5, 80, (3, 4000, 2))
    truth = np.array([[0.0, 0.05], [0.2, 0.5], [0.01, 0.1]])[:, None, :]
    size = 1 / np.where(truth > 0, truth, 1.0)
    draws = np.where(truth > 0, rng.negative_binomial(size, size / (size + mu)), rng.poisson(mu))
    estimate = fit_dispersion(mu, draws.astype(float))
    np.testing.assert_allclose(estimate, truth[:, 0, :], atol=0.015, rtol=0.1)


def test_sparse_delays_fall_back_to_the_pooled_estimate() -> None:
    predicted = np.array([[[10.0, 10.0], [10.0, np.nan], [10.0, np.nan]]])
    realised = np.array([[[20.0, 12.0], [0.0, np.nan], [15.0, np.nan]]])
    inv = fit_dispersion(predicted, realised, min_samples=3)
    own0 = ((100 + 100 + 25) - 30) / 300
    pooled = ((100 + 100 + 25 + 4) - 40) / 400
    np.testing.assert_allclose(inv[0], [own0, pooled])
    assert fit_dispersion(np.full((1, 2, 2), np.nan), np.full((1, 2, 2), np.nan)).sum() == 0


def test_complete_periods_are_observed_and_intervals_never_fall_below_it() -> None:
    tri = synthetic_histories(30, 50, 6, seed=5).known_at_end()
    result = nowcast_intervals(tri)
    q = result.quantiles
    np.testing.assert_array_equal(q[:, :-6], np.repeat(tri[:, :-6, -1:], 5, axis=-1))
    assert (np.diff(q, axis=-1) >= 0).all()
    assert (q[:, -6:, 0] >= result.fit.latest[:, -6:]).all()


def test_synthetic_90_percent_intervals_cover_about_90_percent() -> None:
    """SYNTHETIC histories with known delays: the last 8 periods of 400 series, known now."""
    history = synthetic_histories(400, 80, 8, seed=42)
    tri = history.known_at_end()
    q = nowcast_intervals(tri).quantiles[:, -8:]
    final = history.full[:, -8:, -1]
    cover90 = np.mean((final >= q[..., 0]) & (final <= q[..., 4]))
    cover50 = np.mean((final >= q[..., 1]) & (final <= q[..., 3]))
    assert 0.8 <= cover90 <= 0.97
    assert 0.35 <= cover50 <= 0.65


def test_history_shorter_than_the_delays_still_nowcasts() -> None:
    tri = synthetic_histories(3, 5, 8, seed=1).known_at_end()
    result = nowcast_intervals(tri)
    assert np.isfinite(result.quantiles).all()
    assert result.quantiles.shape == (3, 5, 5)


def test_a_single_period_and_an_empty_series_are_defined() -> None:
    single = nowcast_intervals(np.array([[[3.0, np.nan, np.nan]]]))
    np.testing.assert_array_equal(single.quantiles[0, 0], [3.0] * 5)  # Poisson, no growth
    tri = synthetic_histories(2, 20, 3, seed=4).known_at_end()
    tri[1] = np.nan
    result = nowcast_intervals(tri)
    assert np.isnan(result.quantiles[1]).all()
    assert np.isfinite(result.quantiles[0]).all()


@pytest.mark.parametrize("calibration", [1, 5])
def test_short_calibration_windows_are_allowed(calibration: int) -> None:
    tri = synthetic_histories(3, 30, 4, seed=2).known_at_end()
    assert np.isfinite(nowcast_intervals(tri, calibration=calibration).quantiles).all()
