"""Random-walk forecasts: the closed form, and coverage on a SYNTHETIC log random walk."""

from __future__ import annotations

import numpy as np
from scipy import stats

from epibridge.nowcasting.forecast import random_walk_forecast

LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]


def test_quantiles_are_the_log_normal_random_walk() -> None:
    y = np.array([[10.0, 14.0, 12.0, 18.0, 20.0, 17.0, 25.0, 30.0, 28.0]])
    last = np.array([[20.0, 25.0, 28.0, 33.0, 40.0]])
    ours = random_walk_forecast(y, last, horizons=3)
    changes = np.diff(np.log1p(y[0, -8:]))
    nowcast_sd = (np.log(41) - np.log(21)) / (2 * stats.norm.ppf(0.95))
    for h in (1, 2, 3):
        sd = np.sqrt(nowcast_sd**2 + h * np.var(changes, ddof=1) + 1 / 29)
        expected = stats.lognorm(s=sd, scale=29).ppf(LEVELS) - 1
        np.testing.assert_allclose(ours[0, h - 1], expected, rtol=1e-10)


def test_median_is_flat_and_intervals_widen() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(40, (5, 20)).astype(float)
    q = random_walk_forecast(y, horizons=4)
    np.testing.assert_allclose(q[..., 2], np.repeat(y[:, -1:], 4, axis=1))
    width = q[..., 4] - q[..., 0]
    assert (np.diff(width, axis=1) > 0).all()
    assert np.isnan(random_walk_forecast(np.array([[1.0, np.nan]]))).all()
    assert (random_walk_forecast(np.zeros((1, 10)))[..., 0] == 0).all()


def test_synthetic_random_walks_are_covered() -> None:
    """SYNTHETIC: a log random walk with Poisson counts; 90% intervals at 1-4 ahead."""
    rng = np.random.default_rng(4)
    n, t = 2000, 30
    level = 50 * np.exp(np.cumsum(rng.normal(0, 0.1, (n, t + 4)), axis=1))
    y = rng.poisson(level).astype(float)
    q = random_walk_forecast(y[:, :t], horizons=4)
    future = y[:, t:]
    cover90 = np.mean((future >= q[..., 0]) & (future <= q[..., 4]), axis=0)
    assert ((cover90 > 0.8) & (cover90 < 0.99)).all()
