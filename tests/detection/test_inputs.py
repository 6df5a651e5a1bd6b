"""Behaviour on awkward or wrong input: gaps, all zeros, short history, bad values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from epibridge.detection.ears import ears_c
from epibridge.detection.farrington import farrington, farrington_flexible, noufaily
from epibridge.detection.methods import METHODS, get_method, run_method

WEEKS = 6 * 52


def _seasonal(n_series: int = 3, n_time: int = WEEKS, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lam = 12 + 6 * np.sin(np.arange(n_time) * 2 * np.pi / 52)
    return rng.poisson(lam, size=(n_series, n_time)).astype(float)


MONITOR = np.arange(WEEKS - 30, WEEKS)


@pytest.mark.parametrize("runner", [farrington, noufaily])
def test_gap_in_baseline_is_dropped_like_r(runner: object) -> None:
    y = _seasonal()
    k = MONITOR[0]
    gap = y.copy()
    gap[:, k - 52] = np.nan  # a reference-window point one year back
    full = runner(y, MONITOR, 52)  # type: ignore[operator]
    holed = runner(gap, MONITOR, 52)  # type: ignore[operator]
    assert np.isfinite(holed.phi).all()
    assert np.isfinite(holed.upperbound).all()
    assert not np.allclose(holed.expected[:, 0], full.expected[:, 0])


def test_gap_at_monitored_point_gives_no_threshold_and_no_alarm() -> None:
    y = _seasonal()
    y[:, MONITOR[3]] = np.nan
    res = farrington(y, MONITOR, 52)
    assert np.isnan(res.upperbound[:, 3]).all()  # limit54 sum is NA, as in R
    assert (res.alarm[:, 3] == 0).all()
    assert np.isnan(res.observed[:, 3]).all()


def test_gap_in_ears_baseline_propagates_na() -> None:
    y = _seasonal()
    y[:, MONITOR[0] - 1] = np.nan
    res = ears_c(y, MONITOR, "C1", alpha=0.001)
    assert np.isnan(res.upperbound[:, 0]).all()
    assert np.isnan(res.alarm[:, 0]).all()
    assert np.isfinite(res.upperbound[:, 8:]).all()


def test_all_zero_series_farrington() -> None:
    y = np.zeros((2, WEEKS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = farrington(y, MONITOR, 52)
    assert (res.alarm == 0).all()
    assert np.isnan(res.upperbound).all()  # fewer than 5 cases in 4 weeks
    assert (res.phi == 1).all()


def test_all_zero_series_noufaily_does_not_converge_like_r() -> None:
    # With y = 0 every IRLS step lowers eta by exactly 1, so the deviance criterion
    # 2n(e-1)exp(-i) / (2n exp(-i) + 1) < 1e-8 needs i > 25.1 iterations for the
    # n = 236 baseline rows of noPeriods = 10: glm() does not converge with or
    # without trend and farringtonFlexible returns NA for the point (alarm NA,
    # expected left at 0). With the 35 rows of noPeriods = 1 it converges (i = 19).
    y = np.zeros((2, WEEKS))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = noufaily(y, MONITOR, 52)
    assert np.isnan(res.alarm).all()
    assert np.isnan(res.upperbound).all()
    assert (res.expected == 0).all()


def test_all_zero_ears() -> None:
    y = np.zeros((1, 40))
    mon = np.arange(20, 40)
    c1 = ears_c(y, mon, "C1")
    assert (c1.upperbound == 0).all() and (c1.alarm == 0).all()
    c3 = ears_c(y, mon, "C3")
    assert np.isnan(c3.upperbound).all()  # 0/0 in C2, NA in R too
    assert np.isnan(c3.alarm).all()


@pytest.mark.parametrize(
    ("kwargs", "need"),
    [({}, "263"), ({"b": 3, "w": 2}, "158")],
)
def test_too_little_history_for_b_and_w(kwargs: dict[str, int], need: str) -> None:
    y = _seasonal(n_time=300)
    with pytest.raises(ValueError, match=rf"b\*freq \+ w = {need}"):
        farrington(y, np.arange(150, 300), 52, **kwargs)


def test_too_little_history_in_date_mode() -> None:
    y = _seasonal(n_time=300)
    dates = np.datetime64("2001-01-01") + 7 * np.arange(300)
    with pytest.raises(ValueError, match="reference time points did not exist"):
        farrington(y, np.arange(250, 300), 52, dates, reference_by="date")


def test_too_little_history_for_ears() -> None:
    with pytest.raises(ValueError, match="needs 11 earlier time points"):
        ears_c(np.ones(30), np.arange(5, 30), "C3")


def test_date_mode_needs_dates() -> None:
    with pytest.raises(ValueError, match="needs the dates"):
        farrington(_seasonal(), MONITOR, 52, reference_by="date")


@pytest.mark.parametrize("method", sorted(METHODS))
def test_negative_counts_rejected(method: str) -> None:
    y = _seasonal()
    y[1, 100] = -1
    with pytest.raises(ValueError, match="non-negative: series 1, time index 100"):
        run_method(method, y, MONITOR, 52)


def test_unknown_method_and_options() -> None:
    with pytest.raises(ValueError, match="unknown detection method 'cusum'"):
        get_method("cusum")
    with pytest.raises(ValueError, match=r"unknown option.*foo"):
        run_method("farrington", _seasonal(), MONITOR, 52, foo=1)
    with pytest.raises(ValueError, match=r"unknown option.*: b;"):
        run_method("ears-c1", _seasonal(), MONITOR, 52, b=3)
    with pytest.raises(ValueError, match="unknown thresholdMethod 'nb'"):
        farrington_flexible(_seasonal(), MONITOR, 52, thresholdMethod="nb")
    with pytest.raises(ValueError, match="unknown powertrans"):
        farrington_flexible(_seasonal(), MONITOR, 52, powertrans="3/4")
    with pytest.raises(ValueError, match="unknown EARS method"):
        ears_c(_seasonal(), MONITOR, "C4")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit54"):
        farrington(_seasonal(), MONITOR, 52, limit54=(5, 0))


def test_noperiods_too_large_for_monthly_data() -> None:
    y = _seasonal(n_time=144)
    with pytest.raises(ValueError, match="noPeriods=10 is too large"):
        noufaily(y, np.arange(120, 144), 12)


def test_registry_presets_match_reference_parameters() -> None:
    import json
    from pathlib import Path

    manifest = json.loads(
        (Path(__file__).parents[1] / "fixtures/surveillance/manifest.json").read_text()
    )
    for method, ref_name in (
        ("farrington", "farrington_original"),
        ("noufaily", "farrington_noufaily_nbPlugin"),
    ):
        defaults = dict(get_method(method).defaults)
        ref = manifest["parameters"][ref_name]
        for key, value in defaults.items():
            if key in ("reference_by",) or (key == "pastWeeksNotIncluded" and value is None):
                continue
            want = tuple(ref[key]) if key == "limit54" else ref[key]
            assert value == want, (method, key)
    assert get_method("ears-c3").defaults["alpha"] is None  # R default: 0.025 for C3


def test_ears_default_alpha_is_r_default() -> None:
    y = _seasonal()
    assert ears_c(y, MONITOR, "C3").options["alpha"] == 0.025
    assert ears_c(y, MONITOR, "C1").options["alpha"] == 0.001


def test_batch_equals_one_series_at_a_time() -> None:
    y = _seasonal(n_series=5)
    batch = noufaily(y, MONITOR, 52)
    for s in range(5):
        single = noufaily(y[s], MONITOR, 52)
        np.testing.assert_array_equal(single.upperbound[0], batch.upperbound[s])
        np.testing.assert_allclose(single.pvalue[0], batch.pvalue[s], rtol=1e-13)
