"""Backtest replay: no look-ahead, coverage and WIS gain on SYNTHETIC histories."""

from __future__ import annotations

import numpy as np
import pytest

from epibridge.nowcasting.backtest import backtest, default_lags
from epibridge.nowcasting.synthetic import synthetic_histories
from epibridge.nowcasting.triangle import reporting_mask


@pytest.fixture(scope="module")
def history():
    """SYNTHETIC histories with known delay distributions: 150 series, 90 weeks, D = 6."""
    return synthetic_histories(150, 90, 6, seed=2024)


@pytest.mark.parametrize("method", ["chain-ladder", "bayes"])
def test_intervals_cover_and_beat_the_naive_baseline(history, method: str) -> None:
    result = backtest(history.full, method=method)
    summary = result.summary()
    assert 0.8 <= summary["nowcast"]["coverage_90"] <= 0.97
    assert 0.35 <= summary["nowcast"]["coverage_50"] <= 0.7
    assert summary["nowcast"]["wis"] < 0.5 * summary["naive"]["wis"]
    assert summary["naive"]["bias"] < -0.5  # as reported is always too low: reports come late
    assert summary["forecast"]["wis"] < summary["forecast_naive"]["wis"]
    assert 0.75 <= summary["forecast"]["coverage_90"] <= 0.99
    n_dates = len(default_lags(90, 6))
    assert result.quantiles.shape == (150, n_dates, 6, 5)
    assert result.forecast_quantiles.shape == (150, n_dates, 4, 5)


def test_a_date_sees_nothing_reported_after_it(history) -> None:
    lag = 20
    base = backtest(history.full, lags=[lag, 30])
    changed = history.full.copy()
    later = ~reporting_mask(90, 7, lag)  # every cell first known after that date
    changed[:, later] = changed[:, later] * 3 + 7
    moved = backtest(changed, lags=[lag, 30])
    np.testing.assert_array_equal(moved.quantiles, base.quantiles)
    np.testing.assert_array_equal(moved.forecast_quantiles, base.forecast_quantiles)
    assert not np.array_equal(moved.targets, base.targets)


def test_targets_are_final_values_known_now(history) -> None:
    result = backtest(history.full, lags=[10])
    t = 90 - 1 - 10 - np.arange(6)
    np.testing.assert_array_equal(result.targets[:, 0], history.full[:, t, -1])
    recent = backtest(history.known_at_end(), lags=[1])
    assert np.isnan(recent.targets[:, 0, 0]).all()  # not final yet: not scored
    assert np.isnan(recent.nowcast_scores.wis[:, 0, 0]).all()


def test_rejects_unknown_methods_and_dates(history) -> None:
    with pytest.raises(ValueError, match="method"):
        backtest(history.full, method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nowcast dates"):
        backtest(history.full, lags=[0])
    with pytest.raises(ValueError, match="maximum delay"):
        backtest(history.full[..., :1])
