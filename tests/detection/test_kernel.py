"""The C kernel fits exactly what the NumPy path fits, and detection works without it.

The NumPy path (glm.py, fit.py) is itself checked against a cell-by-cell
transcription of R's glm.fit (test_glm.py) and, end to end, against R
(test_parity.py); here the kernel is held to it problem by problem, on
batches with missing counts, outbreaks, all-zero stretches (which the kernel
hands back to the NumPy path) and both time axes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from epibridge.detection.farrington import core, native, noufaily
from epibridge.detection.farrington.fit import FormulaFit, FormulaFitter, numpy_fitter
from epibridge.detection.farrington.layout import Layout
from tests.detection.test_parity import RESULT_FILES, _read_reference, _run

N_TIME = 6 * 52
DATES = np.datetime64("2010-01-04") + 7 * np.arange(N_TIME)
MONITOR = np.arange(N_TIME - 30, N_TIME)

#: The C kernel and the NumPy path do the same arithmetic in a different order, and NumPy's
#: vectorized exp/log differ between processors (SIMD paths) in the last bits: 1e-12 held on
#: one machine and failed on another at 1.02e-12. 1e-9 leaves a thousandfold margin over that
#: and is the tolerance the R parity is held to (test_parity.py).
SAME_RTOL = 1e-9


def _counts(n_series: int = 24, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(N_TIME)
    level = rng.uniform(0.3, 40.0, size=(n_series, 1))
    season = np.exp(rng.uniform(0.1, 0.9, size=(n_series, 1)) * np.sin(2 * np.pi * t / 52))
    trend = np.exp(rng.uniform(-0.004, 0.004, size=(n_series, 1)) * t)
    y = rng.poisson(level * season * trend).astype(np.float64)
    y[rng.random(y.shape) < 0.03] = np.nan  # scattered missing counts
    y[1, 40:120] = np.nan  # a long gap
    y[2, rng.integers(0, N_TIME, 12)] *= 8.0  # outbreaks for the Anscombe weights
    y[3, : N_TIME - 60] = 0.0  # a level of zeros: eta below -30, the exact fallback
    return y


def _fitters(
    y: np.ndarray, reference_by: str, asked: list[FormulaFitter] | None = None
) -> Iterator[tuple[FormulaFitter, FormulaFitter]]:
    """(kernel, NumPy) fitters of the same problems, one pair per layout group.

    The kernel's fallback is the NumPy fitter; ``asked`` records when it is used.
    """
    lib = native.load()
    assert lib is not None, "the C kernel could not be built on this machine"
    dates = DATES if reference_by == "date" else None
    plan = core._plan(
        MONITOR.tobytes(), N_TIME, 52, 5, 3, 10, 26, None if dates is None else dates.tobytes()
    )
    grid = core._Grid.of(y)
    for group in plan.groups:
        layout = Layout(
            group.level, plan.design.n_levels, core._time_axis(grid, MONITOR, group, plan.design)
        )
        reference = numpy_fitter(core._problems(grid, group, layout), True, 2.58)

        def fallback(r: FormulaFitter = reference) -> FormulaFitter:
            if asked is not None:
                asked.append(r)
            return r

        kernel = native.kernel_fitter(lib, grid.packed, group.rows, layout, True, 2.58, fallback)
        yield kernel, reference


def _assert_same(a: FormulaFit, b: FormulaFit) -> None:
    for name in FormulaFit.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype == bool:
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            np.testing.assert_allclose(x, y, rtol=SAME_RTOL, atol=0.0, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("reference_by", ["index", "date"])
@pytest.mark.parametrize("trend", [True, False])
def test_kernel_matches_numpy_path(reference_by: str, trend: bool) -> None:
    y = _counts()
    for kernel, reference in _fitters(y, reference_by):
        _assert_same(kernel(None, trend), reference(None, trend))
        cols = np.arange(0, y.shape[0] * MONITOR.size, 7)  # a subset, as the no-trend refit uses
        _assert_same(kernel(cols, trend), reference(cols, trend))


def test_kernel_hands_unsafe_problems_to_the_numpy_path() -> None:
    asked: list[FormulaFitter] = []
    for kernel, reference in _fitters(_counts(), "index", asked):
        _assert_same(kernel(None, True), reference(None, True))
    assert asked  # series 3's zeros took eta below -30: the NumPy path refitted them
    clean = np.nan_to_num(_counts()[4:6]) + 1.0
    for kernel, _ in _fitters(clean, "index", asked := []):
        kernel(None, True)
    assert not asked


@pytest.mark.parametrize("reweight", [True, False])
def test_detection_without_a_compiler_gives_the_same_results(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reweight: bool
) -> None:
    y = _counts(8)
    compiled = noufaily(y, MONITOR, 52, reweight=reweight)
    monkeypatch.setattr(native, "_loaded", [])
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    monkeypatch.setattr(native.shutil, "which", lambda _name: None)  # no compiler on PATH
    assert native.load() is None
    assert list(tmp_path.iterdir()) == []
    plain = noufaily(y, MONITOR, 52, reweight=reweight)
    for name, values in compiled.columns().items():
        np.testing.assert_allclose(
            values, plain.columns()[name], rtol=SAME_RTOL, equal_nan=True, err_msg=name
        )


FARRINGTON_FILES = [p for p in RESULT_FILES if not p.stem.startswith("ears")]


@pytest.mark.parametrize(
    "path", FARRINGTON_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FARRINGTON_FILES]
)
def test_numpy_path_gives_the_kernel_results_on_the_r_fixtures(
    monkeypatch: pytest.MonkeyPatch, path: Path
) -> None:
    """So the parity with R that test_parity.py shows holds without a compiler too."""
    ref = _read_reference(path)
    compiled = _run(path.parent.name, path.stem, ref)
    monkeypatch.setattr(native, "_loaded", [None])  # as if no compiler: the NumPy path
    plain = _run(path.parent.name, path.stem, ref)
    for name, values in compiled.columns().items():
        np.testing.assert_allclose(
            values, plain.columns()[name], rtol=SAME_RTOL, equal_nan=True, err_msg=name
        )


def test_a_missing_cc_falls_back_to_another_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "no-such-compiler-here")
    cc = native._compiler()
    assert cc is not None and cc[0] != "no-such-compiler-here"


def test_kernel_is_built_once_per_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    cc = native._compiler()
    assert cc is not None
    first = native._build(cc)
    stamp = first.stat().st_mtime_ns
    assert native._build(cc) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]
