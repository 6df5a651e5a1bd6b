"""The fast IRLS (per-level sufficient statistics) against the cell-by-cell ``glm.fit``.

``_fit_reference`` transcribes R's ``glm.fit`` loop directly; the fast path must give the
same state (coefficients, covariance pieces, fitted values, working weights, dispersion,
convergence) to rounding, and hand problems near R's ``mu >= eps`` clamp to the
reference path.
"""

from __future__ import annotations

import numpy as np
import pytest

from epibridge.detection.farrington.glm import (
    StartValues,
    _fit_fast,
    _fit_reference,
    fit_quasipoisson,
)
from epibridge.detection.farrington.layout import Layout

FIELDS = ("beta", "var_level", "mu", "w_work", "dispersion")


def _problems(
    n: int, seed: int, common_t: bool
) -> tuple[np.ndarray, np.ndarray, Layout, StartValues]:
    rng = np.random.default_rng(seed)
    level = np.repeat(np.arange(4), [9, 6, 6, 12])  # rows sorted by level
    width = level.size
    t_row = -np.arange(width, 0, -1, dtype=np.float64) - 3.0
    # date mode: a shift per problem (when the first baseline count is missing)
    shift = 0.0 if common_t else rng.integers(0, 3, size=n)[None, :]
    t = t_row[:, None] + shift
    mean = rng.uniform(0.5, 40.0, size=(4, n))[level] * np.exp(0.004 * t)
    y = rng.negative_binomial(3, 3 / (3 + mean)).astype(np.float64)
    present = rng.random((width, n)) > 0.05
    y = np.where(present, y, 0.0)
    return y, present.astype(np.float64), Layout(level, 4, t), StartValues.of(y)


@pytest.mark.parametrize("trend", [True, False])
@pytest.mark.parametrize("common_t", [True, False])
@pytest.mark.parametrize("weights", ["presence", "random"])
def test_fast_path_equals_glm_fit_transcription(trend: bool, common_t: bool, weights: str) -> None:
    y, prior, lay, start = _problems(300, 11, common_t)
    if weights == "random":
        prior = prior * np.random.default_rng(2).uniform(0.2, 1.5, size=prior.shape)
    fast, unsafe = _fit_fast(y, prior, lay, start, trend, 25, 1e-8)
    ref = _fit_reference(y, prior, lay, trend, 25, 1e-8)
    assert not unsafe.any()
    np.testing.assert_array_equal(fast.converged, ref.converged)
    np.testing.assert_array_equal(fast.df_residual, ref.df_residual)
    for name in FIELDS + (("trend", "var_trend", "cov_trend_level") if trend else ()):
        want = getattr(ref, name)
        atol = 1e-12 * np.max(np.abs(want))  # coefficients that are 0 up to rounding
        np.testing.assert_allclose(getattr(fast, name), want, rtol=1e-9, atol=atol, err_msg=name)


def test_problems_near_the_clamp_take_the_reference_path() -> None:
    y, prior, lay, start = _problems(40, 4, True)
    # a steep decline: exp(eta) falls below 1e-13 at the recent end, where R's
    # pmax(exp(eta), eps) may start to matter
    t = lay.t[:, 0]
    y[:, :5] = np.round(1e4 * np.exp(-1.5 * (t - t.min())))[:, None]
    start = StartValues.of(y)
    _fast, unsafe = _fit_fast(y, prior, lay, start, True, 25, 1e-8)
    assert unsafe[:5].all() and not unsafe[5:].any()
    fit = fit_quasipoisson(y, prior, lay, start, True)
    ref = _fit_reference(y, prior, lay, True, 25, 1e-8)
    assert fit.exact[:5].all() and not fit.exact[5:].any()
    np.testing.assert_array_equal(fit.converged, ref.converged)
    for name in FIELDS:
        want = getattr(ref, name)
        np.testing.assert_allclose(
            getattr(fit, name), want, rtol=1e-9, atol=1e-12 * np.max(np.abs(want)), err_msg=name
        )
    np.testing.assert_array_equal(fit.beta[:, :5], ref.beta[:, :5])


def test_results_do_not_depend_on_the_batch() -> None:
    y, prior, lay, start = _problems(64, 9, True)
    whole = fit_quasipoisson(y, prior, lay, start, True)
    part = fit_quasipoisson(y[:, 7:10], prior[:, 7:10], lay, start.take(np.arange(7, 10)), True)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(whole, name)[..., 7:10], getattr(part, name))
