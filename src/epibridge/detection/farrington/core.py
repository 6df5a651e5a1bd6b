"""``farringtonFlexible`` for a batch of series: design, fit, thresholds, output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from epibridge.detection.farrington import native, threshold
from epibridge.detection.farrington.design import Design, build_design
from epibridge.detection.farrington.fit import (
    FormulaFitter,
    Prediction,
    Problems,
    fit_and_predict,
    numpy_fitter,
)
from epibridge.detection.farrington.glm import StartValues
from epibridge.detection.farrington.layout import Layout
from epibridge.detection.farrington.options import (
    FARRINGTON_1996,
    NOUFAILY_2013,
    FarringtonOptions,
)
from epibridge.detection.result import DetectionResult
from epibridge.detection.validation import as_counts, as_monitor_index

#: Stacked baseline cells per chunk of series (about 6 MB per cell array): one chunk for
#: the engine's 64-series tasks with Noufaily settings (64 x 52 weeks x 237 cells).
_CHUNK_CELLS = 800_000


@dataclass(frozen=True)
class _Group:
    """Monitored points whose baselines have the same shape (all of them in index mode)."""

    pos: np.ndarray  # positions in the monitored index
    rows: np.ndarray  # (k, width) time index of each cell, cells sorted by level
    level: np.ndarray  # (width,) 0-based seasgroups, shared, sorted
    wtime: np.ndarray  # (k, width)


@dataclass(frozen=True)
class _Plan:
    design: Design
    groups: tuple[_Group, ...]


@lru_cache(maxsize=64)
def _plan(
    idx_bytes: bytes,
    n_time: int,
    freq: int,
    b: int,
    w: int,
    no_periods: int,
    past_excluded: int,
    dates_bytes: bytes | None,
) -> _Plan:
    """Design and layout groups; cached because every chunk of a batch shares them."""
    idx = np.frombuffer(idx_bytes, dtype=np.int64)
    dates = None if dates_bytes is None else np.frombuffer(dates_bytes, dtype="datetime64[D]")
    design = build_design(idx, n_time, freq, b, w, no_periods, past_excluded, dates)
    members: dict[tuple[bytes, bytes], list[int]] = {}
    for i in range(idx.size):
        valid = design.valid[i]
        key = (design.level[i][valid].tobytes(), (design.rows[i][valid] - idx[i]).tobytes())
        members.setdefault(key, []).append(i)
    groups = []
    for pos_list in members.values():
        pos = np.asarray(pos_list, dtype=np.int64)
        width = int(design.valid[pos[0]].sum())
        order = np.argsort(design.level[pos[0], :width], kind="stable")
        groups.append(
            _Group(
                pos,
                design.rows[pos, :width][:, order],
                design.level[pos[0], :width][order],
                design.wtime[pos, :width][:, order],
            )
        )
    return _Plan(design, tuple(groups))


@dataclass(frozen=True)
class _Grid:
    """Per (time point, series) quantities, computed once and gathered into cells.

    ``packed`` is ``(n_series, n_time, 8)``, as the C kernel reads it (a cell's
    fields in one cache line); the other arrays are ``(n_time, n_series)`` views of
    it for the NumPy path.
    """

    packed: np.ndarray
    y: np.ndarray  # NaN -> 0
    present: np.ndarray
    start: StartValues
    y23: np.ndarray

    @staticmethod
    def of(y: np.ndarray) -> _Grid:
        """From ``(n_series, n_time)`` counts with NaN for missing ones."""
        present = ~np.isnan(y)
        y0 = np.where(present, y, 0.0)
        st = StartValues.of(y0)
        fields = (y0, st.mu0, st.g, st.d0, st.ylogy, y0 ** (2.0 / 3.0), present, present)
        packed = np.stack(fields, axis=-1, dtype=np.float64)
        start = StartValues(*(packed[:, :, i].T for i in range(1, 5)))
        return _Grid(packed, packed[:, :, 0].T, present.T, start, packed[:, :, 5].T)


def _time_axis(grid: _Grid, idx: np.ndarray, group: _Group, design: Design) -> np.ndarray:
    """Centred ``wtime`` of each cell: ``(width, 1)`` if shared, else ``(width, k * s)``."""
    s = grid.y.shape[1]
    k, width = group.rows.shape
    rows_t = group.rows.T
    k_idx = idx[group.pos]
    if design.dates_days is None:
        t = (group.wtime - (k_idx + 1.0)[:, None]).T  # (width, k)
    else:
        # R predicts at (date_k - first non-missing baseline date) / period while the
        # fit used wtime relative to the first baseline date: keep that quirk.
        days = design.dates_days
        big = np.iinfo(np.int64).max
        when = np.where(grid.present[rows_t], rows_t[:, :, None], big)
        first = when.min(axis=0)  # (k, s) earliest baseline row with a count
        first = np.where(first == big, rows_t.min(axis=0)[:, None], first)
        pred = (days[k_idx][:, None] - days[first]) / design.period_days  # (k, s)
        t = (group.wtime.T[:, :, None] - pred[None]).reshape(width, k * s)
    if np.all(t == t[:, :1]):
        return np.ascontiguousarray(t[:, :1])
    if t.shape[1] != k * s:
        return np.repeat(t, s, axis=1)
    return t


def _problems(grid: _Grid, group: _Group, layout: Layout) -> Problems:
    """Stack the GLM problems of one group for the NumPy path.

    Cells are rows and problems columns, ordered monitored point first
    (problem ``j = i_k * n_series + i_s``).
    """
    s = grid.y.shape[1]
    k, width = group.rows.shape
    rows_t = group.rows.T

    def cells(a: np.ndarray) -> np.ndarray:
        return a[rows_t].reshape(width, k * s)

    st = grid.start
    return Problems(
        y=cells(grid.y),
        present=cells(grid.present),
        layout=layout,
        start=StartValues(cells(st.mu0), cells(st.g), cells(st.d0), cells(st.ylogy)),
        y23=cells(grid.y23),
    )


def _predict_all(
    y: np.ndarray, idx: np.ndarray, plan: _Plan, opt: FarringtonOptions
) -> dict[str, np.ndarray]:
    """Fit every (series, monitored point) of the chunk; arrays ``(n_series, n_monitored)``.

    The C kernel fits the problems when it could be built (see :mod:`native`);
    otherwise, and for the problems it hands back, the NumPy path does.
    """
    grid = _Grid.of(y)
    lib = native.load()
    s, k = y.shape[0], idx.size
    merged: dict[str, np.ndarray] = {}
    for group in plan.groups:
        t = _time_axis(grid, idx, group, plan.design)
        layout = Layout(group.level, plan.design.n_levels, t)

        def numpy_fit(g: _Group = group, lay: Layout = layout) -> FormulaFitter:
            return numpy_fitter(_problems(grid, g, lay), opt.reweight, opt.weightsThreshold)

        fit = (
            numpy_fit()
            if lib is None
            else native.kernel_fitter(
                lib, grid.packed, group.rows, layout, opt.reweight, opt.weightsThreshold, numpy_fit
            )
        )
        pred = fit_and_predict(fit, group.pos.size * s, opt.trend, opt.pThresholdTrend, opt.b)
        for name in Prediction.__dataclass_fields__:
            value = getattr(pred, name).reshape(group.pos.size, s).T
            if name not in merged:
                merged[name] = np.empty((s, k), dtype=value.dtype)
            merged[name][:, group.pos] = value
    return merged


def _outputs(pred: Prediction, obs: np.ndarray, opt: FarringtonOptions) -> dict[str, np.ndarray]:
    eps = np.finfo(np.float64).eps
    if opt.thresholdMethod == "delta":
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.maximum(np.exp(pred.eta), eps)
            upper, pvalue, score = threshold.delta(
                mu, pred.se_eta * mu, pred.phi, opt.powertrans, opt.alpha, obs
            )
        return {"upper": upper, "pvalue": pvalue, "score": score, "expected": mu}
    upper, pvalue, score, mu0 = threshold.noufaily(
        pred.eta, pred.se_eta, pred.phi, opt.thresholdMethod, opt.alpha, obs
    )
    with np.errstate(over="ignore"):
        expected = np.exp(pred.eta)
    return {"upper": upper, "pvalue": pvalue, "score": score, "expected": expected, "mu0": mu0}


def farrington_flexible(
    counts: ArrayLike,
    monitor: Iterable[int] | slice | np.ndarray,
    freq: int,
    dates: ArrayLike | None = None,
    options: FarringtonOptions | None = None,
    **overrides: Any,
) -> DetectionResult:
    """``surveillance::farringtonFlexible`` on ``(n_series, n_time)`` counts.

    ``monitor`` holds 0-based time indices (R's ``range`` minus one). With
    ``reference_by="date"``, ``dates`` (one per time point, shared by all
    series) drive the reference weeks as R does for ``epochAsDate = TRUE``.
    Options not given take farringtonFlexible's own defaults.
    """
    opt = (options or FarringtonOptions()).with_overrides(**overrides)
    if freq < 1:
        raise ValueError(f"freq must be positive, got {freq}")
    y = as_counts(counts)
    idx = as_monitor_index(monitor, y.shape[1])
    if opt.reference_by == "date":
        if dates is None:
            raise ValueError("reference_by='date' needs the dates of the time points")
        date_arr: np.ndarray | None = np.asarray(dates, dtype="datetime64[D]")
    else:
        date_arr = None
    _lim_cases, lim_periods = opt.limit54
    if idx[0] - lim_periods + 1 < 0:
        raise ValueError(f"limit54 needs {lim_periods} time points up to each monitored one")
    plan = _plan(
        idx.tobytes(),
        y.shape[1],
        freq,
        opt.b,
        opt.w,
        opt.noPeriods,
        opt.past_excluded,
        None if date_arr is None else date_arr.tobytes(),
    )
    width = plan.design.rows.shape[1]
    per_chunk = max(1, _CHUNK_CELLS // (idx.size * width))
    parts = [
        _run_chunk(y[i : i + per_chunk], idx, plan, opt) for i in range(0, y.shape[0], per_chunk)
    ]
    return DetectionResult.concat(parts)


def _run_chunk(
    y: np.ndarray, idx: np.ndarray, plan: _Plan, opt: FarringtonOptions
) -> DetectionResult:
    s, k = y.shape[0], idx.size
    fitted = _predict_all(y, idx, plan, opt)
    pred = Prediction(**{name: a.ravel() for name, a in fitted.items()})
    obs = y[:, idx]
    out = {name: a.reshape(s, k) for name, a in _outputs(pred, obs.ravel(), opt).items()}
    ok = pred.ok.reshape(s, k)
    lim_cases, lim_periods = opt.limit54
    recent = sliding_window_view(y, lim_periods, axis=1).sum(axis=2)[:, idx - lim_periods + 1]
    enough = recent >= lim_cases  # NaN counts -> False, like R's ifelse(NA, ...) -> NA
    upper = np.where(enough, out["upper"], np.nan)
    with np.errstate(invalid="ignore"):
        alarm = (enough & (out["score"] > 1) & (obs != 0)).astype(np.float64)
    expected = np.where(enough & ~np.isnan(out["upper"]), out["expected"], np.nan)

    def na(a: np.ndarray) -> np.ndarray:
        return np.where(ok, a, np.nan)

    mu0 = out.get("mu0")
    return DetectionResult(
        method="farringtonFlexible",
        index=idx,
        observed=obs,
        expected=np.where(ok, expected, 0.0),  # R leaves its initial 0 when no fit
        upperbound=na(upper),
        alarm=na(alarm),
        score=na(out["score"]),
        pvalue=na(out["pvalue"]),
        phi=na(pred.phi.reshape(s, k)),
        trend_used=na(pred.trend_used.reshape(s, k).astype(np.float64)),
        trend_coef=na(pred.trend_coef.reshape(s, k)),
        mu0=None if mu0 is None else na(mu0),
        options=opt.as_dict(),
    )


def farrington(
    counts: ArrayLike,
    monitor: Iterable[int] | slice | np.ndarray,
    freq: int,
    dates: ArrayLike | None = None,
    **overrides: Any,
) -> DetectionResult:
    """Original Farrington et al. (1996) settings (delta threshold, alpha 0.01)."""
    return farrington_flexible(counts, monitor, freq, dates, FARRINGTON_1996, **overrides)


def noufaily(
    counts: ArrayLike,
    monitor: Iterable[int] | slice | np.ndarray,
    freq: int,
    dates: ArrayLike | None = None,
    **overrides: Any,
) -> DetectionResult:
    """Noufaily et al. (2013) settings (10 blocks, 26 weeks left out, nbPlugin)."""
    return farrington_flexible(counts, monitor, freq, dates, NOUFAILY_2013, **overrides)
