"""R_t (Cori et al. 2013) against EpiEstim 2.2.4 reference output, and input checks."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from epibridge.detection.rt import QUANTILES, discr_si, estimate_r

#: Its module-scoped fixture is built once: under pytest-xdist every test of the module
#: goes to one worker (``make test`` runs ``--dist loadgroup``).
pytestmark = pytest.mark.xdist_group("detection-rt")


REFERENCE = Path(__file__).parents[1] / "fixtures" / "surveillance" / "epiestim"
RTOL = 1e-9  # worst measured difference from R: 3.2e-11


def read_csv(name: str) -> dict[str, np.ndarray]:
    with (REFERENCE / name).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        key: np.array([np.nan if r[key] == "NA" else float(r[key]) for r in rows])
        for key in rows[0]
        if key != "date"
    }


@pytest.fixture(scope="module")
def incidence() -> np.ndarray:
    data = read_csv("Flu2009_incidence.csv")
    assert np.array_equal(data["t"], np.arange(1, data["t"].size + 1))
    return data["I"]


@pytest.fixture(scope="module")
def flu_si() -> np.ndarray:
    return read_csv("Flu2009_non_parametric_si_si_distr.csv")["p"]


CONFIGS = {
    "Flu2009_parametric_si": {"method": "parametric_si", "mean_si": 2.6, "std_si": 1.5},
    "Flu2009_non_parametric_si": {"method": "non_parametric_si"},
}


@pytest.mark.parametrize("run", sorted(CONFIGS))
def test_matches_epiestim(run: str, incidence: np.ndarray, flu_si: np.ndarray) -> None:
    kwargs = dict(CONFIGS[run])
    if kwargs["method"] == "non_parametric_si":
        kwargs["si_distr"] = flu_si
    result = estimate_r(incidence, **kwargs)  # type: ignore[arg-type]

    expected = read_csv(f"{run}_R.csv")
    got = result.columns()
    assert list(got) == list(expected)
    assert np.array_equal(result.t_start, np.arange(2, 27))
    assert np.array_equal(result.t_end, np.arange(8, 33))
    for column, values in expected.items():
        np.testing.assert_allclose(got[column], values, rtol=RTOL, atol=0, err_msg=column)

    si = read_csv(f"{run}_si_distr.csv")
    assert np.array_equal(si["k"], np.arange(incidence.size + 1))
    np.testing.assert_allclose(result.si_distr, si["p"], rtol=RTOL, atol=0)


def test_serial_interval_moments(incidence: np.ndarray, flu_si: np.ndarray) -> None:
    """The README's "SI mean / sd used" column."""
    par = estimate_r(incidence, method="parametric_si", mean_si=2.6, std_si=1.5)
    assert par.mean_si == pytest.approx(2.6, abs=1e-5)
    assert par.std_si == pytest.approx(1.55488, abs=1e-5)
    nonpar = estimate_r(incidence, method="non_parametric_si", si_distr=flu_si)
    assert nonpar.mean_si == pytest.approx(2.596, abs=1e-9)
    assert nonpar.std_si == pytest.approx(1.53453, abs=1e-5)


def test_median_and_quantile_order(incidence: np.ndarray) -> None:
    result = estimate_r(incidence, method="parametric_si", mean_si=2.6, std_si=1.5)
    assert result.quantiles.shape == (25, len(QUANTILES))
    assert np.all(np.diff(result.quantiles, axis=1) > 0)
    np.testing.assert_array_equal(result.median, result.quantiles[:, 3])


def test_custom_windows_and_undefined_early_windows(incidence: np.ndarray) -> None:
    full = estimate_r(incidence, method="parametric_si", mean_si=2.6, std_si=1.5)
    one = estimate_r(
        incidence, method="parametric_si", mean_si=2.6, std_si=1.5, t_start=[5], t_end=[11]
    )
    np.testing.assert_allclose(one.mean, full.mean[3:4], rtol=1e-12)
    # EpiEstim: a window ending no later than the mean serial interval has no estimate
    early = estimate_r(
        incidence, method="parametric_si", mean_si=2.6, std_si=1.5, t_start=[2, 2], t_end=[2, 3]
    )
    assert np.isnan(early.mean[0]) and np.isnan(early.quantiles[0]).all()
    assert np.isfinite(early.mean[1])


def test_discr_si_is_a_distribution() -> None:
    p = discr_si(np.arange(200), 6.48, 3.83)
    assert p[0] == 0 and np.all(p >= 0)
    assert p.sum() == pytest.approx(1, abs=1e-9)
    assert np.sum(p * np.arange(200)) == pytest.approx(6.48, abs=1e-6)


# --- bad input ------------------------------------------------------------------------------

GOOD_SI = np.array([0, 0.25, 0.5, 0.25])
SERIES = np.arange(1, 21, dtype=float)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"incidence": [1, 2, -1, 3] * 3}, r"non-negative \(day 3 is -1\)"),
        ({"incidence": [1, 2, np.nan] * 4}, "NaN"),
        ({"incidence": [[1, 2], [3, 4]]}, "one-dimensional"),
        ({"incidence": [1, 2, 3, 4, 5, 6, 7]}, "at least 8"),
        ({"si_distr": [0, 0.5, 0.4]}, "must sum to 1"),
        ({"si_distr": [0.1, 0.5, 0.4]}, r"si_distr\[0\] must be 0"),
        ({"si_distr": [0, 1.5, -0.5]}, "non-negative"),
        ({"si_distr": [0]}, "at least 2"),
        ({"si_distr": None}, "needs si_distr"),
        ({"t_start": [1], "t_end": [7]}, "t_start must be >= 2"),
        ({"t_start": [5], "t_end": [4]}, "t_end must be >= its t_start"),
        ({"t_start": [5], "t_end": [21]}, "t_end must be <= 20"),
        ({"t_start": [5]}, "both t_start and t_end"),
        ({"t_start": [2, 3], "t_end": [8]}, "same length"),
        ({"mean_prior": 0}, "mean_prior"),
        ({"method": "uncertain_si"}, "unknown method"),
    ],
)
def test_bad_input(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "incidence": SERIES,
        "method": "non_parametric_si",
        "si_distr": GOOD_SI,
    }
    args.update(kwargs)
    incidence = args.pop("incidence")
    with pytest.raises(ValueError, match=message):
        estimate_r(incidence, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mean_si": 1.0, "std_si": 1.5}, "mean must be > 1"),
        ({"mean_si": 2.6, "std_si": 0}, "standard deviation must be > 0"),
        ({"mean_si": 2.6}, "needs mean_si and std_si"),
        ({"mean_si": 2.6, "std_si": 1.5, "si_distr": GOOD_SI}, "not si_distr"),
    ],
)
def test_bad_parametric_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_r(SERIES, method="parametric_si", **kwargs)  # type: ignore[arg-type]
