"""``farringtonFlexible`` for a batch of series: design, fit, thresholds, output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from epibridge.detection.farrington import threshold
from epibridge.detection.farrington.design import Design, build_design
from epibridge.detection.farrington.fit import Prediction, Problems, fit_and_predict
from epibridge.detection.farrington.options import (
    FARRINGTON_1996,
    NOUFAILY_2013,
    FarringtonOptions,
)
from epibridge.detection.result import DetectionResult
from epibridge.detection.validation import as_counts, as_monitor_index

#: Upper bound on stacked baseline cells held in memory at once (~16 MB per array).
_CHUNK_CELLS = 2_000_000


def _problems(y: np.ndarray, idx: np.ndarray, design: Design) -> Problems:
    """Stack (series x monitored point) GLM problems for one chunk of series."""
    vals = y[:, design.rows]  # (S, K, W)
    present = design.valid[None] & ~np.isnan(vals)
    if design.dates_days is None:
        t = np.broadcast_to(design.wtime - (idx + 1.0)[:, None], vals.shape)
    else:
        # R predicts at (date_k - first non-missing baseline date) / period while the
        # fit used wtime relative to the first baseline date: keep that quirk.
        days = design.dates_days
        first = np.take_along_axis(design.rows[None], np.argmax(present, axis=2)[..., None], 2)
        pred = (days[idx][None, :] - days[first[..., 0]]) / design.period_days
        t = design.wtime[None] - pred[..., None]
    s, k, width = vals.shape
    return Problems(
        y=np.where(present, vals, 0.0).reshape(s * k, width),
        present=present.reshape(s * k, width),
        level=np.broadcast_to(design.level, vals.shape).reshape(s * k, width),
        t=np.ascontiguousarray(t).reshape(s * k, width),
        n_levels=design.n_levels,
    )


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
    design = build_design(
        idx, y.shape[1], freq, opt.b, opt.w, opt.noPeriods, opt.past_excluded, date_arr
    )
    per_chunk = max(1, _CHUNK_CELLS // (idx.size * design.rows.shape[1]))
    parts = [
        _run_chunk(y[i : i + per_chunk], idx, design, opt) for i in range(0, y.shape[0], per_chunk)
    ]
    return DetectionResult.concat(parts)


def _run_chunk(
    y: np.ndarray, idx: np.ndarray, design: Design, opt: FarringtonOptions
) -> DetectionResult:
    s, k = y.shape[0], idx.size
    pred = fit_and_predict(
        _problems(y, idx, design),
        opt.trend,
        opt.reweight,
        opt.weightsThreshold,
        opt.pThresholdTrend,
        opt.b,
    )
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
