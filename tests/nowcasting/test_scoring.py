"""Scores against scoringrules 0.10.0 (WIS, interval score) and scoringutils' bias definition."""

from __future__ import annotations

import numpy as np
import pytest
import scoringrules as sr

from epibridge.nowcasting.scoring import (
    coverage,
    interval_score,
    point_quantiles,
    quantile_bias,
    score,
    weighted_interval_score,
)


def _random_forecasts(seed: int, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centre = rng.uniform(0, 100, n)
    spread = np.sort(rng.uniform(0, 30, (n, 5)), axis=1) - 15
    quantiles = centre[:, None] + spread
    y = centre + rng.normal(0, 20, n)
    return y, quantiles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_wis_equals_scoringrules(seed: int) -> None:
    y, q = _random_forecasts(seed)
    alpha = np.array([0.1, 0.5])
    lower, upper = q[:, [0, 1]], q[:, [4, 3]]
    # scoringrules' numba backend (its numpy backend adds the median, not |y - m|, in 0.10.0)
    reference = sr.weighted_interval_score(y, q[:, 2], lower, upper, alpha, backend="numba")
    np.testing.assert_allclose(weighted_interval_score(y, q), reference, rtol=1e-12)
    reference_is = sr.interval_score(y, q[:, 0], q[:, 4], 0.1, backend="numba")
    np.testing.assert_allclose(interval_score(y, q[:, 0], q[:, 4], 0.1), reference_is, rtol=1e-12)


def test_point_forecast_scores_its_absolute_error() -> None:
    y, q = _random_forecasts(4)
    point = q[:, 2]
    wis = weighted_interval_score(y, point_quantiles(point))
    np.testing.assert_allclose(wis, np.abs(y - point))


def test_coverage_and_bias_by_hand() -> None:
    q = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]] * 6)
    y = np.array([0.0, 1.0, 2.5, 3.0, 4.5, 9.0])
    np.testing.assert_array_equal(coverage(y, q, 0.9), [0, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(coverage(y, q, 0.5), [0, 0, 1, 1, 0, 0])
    # scoringutils: below the median 1 - 2·max{τ: q_τ <= y}, above 1 - 2·min{τ: q_τ >= y}
    np.testing.assert_allclose(quantile_bias(y, q), [1.0, 0.9, 0.5, 0.0, -0.9, -1.0])
    assert np.isnan(quantile_bias(np.array([np.nan]), q[:1])).all()


def test_scores_leave_unknown_targets_out_of_means() -> None:
    y, q = _random_forecasts(5, 10)
    y[3] = np.nan
    scores = score(y, q)
    assert np.isnan(scores.wis[3]) and np.isnan(scores.coverage_90[3])
    summary = scores.summary()
    assert summary["n"] == 9
    assert summary["wis"] == pytest.approx(np.mean(np.delete(scores.wis, 3)))
