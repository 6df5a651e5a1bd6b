"""EARS C1, C2 and C3, reproducing ``surveillance::earsC`` (surveillance 1.20.3).

All series and monitored points are computed at once from sliding windows; the
IEEE arithmetic of the package (0/0, Inf - Inf in C3) is kept on purpose so that
``NaN`` thresholds land exactly where R has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike
from scipy.special import ndtri

from epibridge.detection.result import DetectionResult
from epibridge.detection.validation import as_counts, as_monitor_index, check_choice

EarsMethod = Literal["C1", "C2", "C3"]

#: R's defaults when ``alpha`` is NULL: C3 is meant to be more sensitive.
DEFAULT_ALPHA: dict[str, float] = {"C1": 0.001, "C2": 0.001, "C3": 0.025}

#: Time points before the monitored point each method needs (R's ``maxLag``).
_EXTRA_LAG: dict[str, int] = {"C1": 0, "C2": 2, "C3": 4}


def required_history(method: EarsMethod, baseline: int = 7) -> int:
    """Number of points that must precede the first monitored point."""
    return baseline + _EXTRA_LAG[method]


def _baseline_stats(
    y: np.ndarray, baseline: int, gap: int, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd of ``y[t-gap-baseline .. t-gap-1]`` for each ``t`` in ``at``."""
    windows = sliding_window_view(y, baseline, axis=1)[:, at - gap - baseline, :]
    return windows.mean(axis=-1), windows.std(axis=-1, ddof=1)


def ears_c(
    counts: ArrayLike,
    monitor: Iterable[int] | slice | np.ndarray,
    method: EarsMethod = "C1",
    baseline: int = 7,
    minSigma: float = 0.0,
    alpha: float | None = None,
) -> DetectionResult:
    """EARS C1/C2/C3 for a batch of series.

    ``counts`` is ``(n_series, n_time)`` (NaN = missing) and ``monitor`` holds
    0-based time indices. ``alpha=None`` means R's defaults (0.001 for C1/C2,
    0.025 for C3). ``expected`` is the baseline mean (C2 baseline for C3);
    ``score`` is the C1/C2 statistic, and for C3 the classic sum of
    ``max(0, C2 - 1)`` over the current and two previous points.
    """
    check_choice("EARS method", method, DEFAULT_ALPHA)
    if baseline < 3:
        raise ValueError("Minimum baseline to use is 3.")
    if minSigma < 0:
        raise ValueError("The minimum sigma parameter (minSigma) needs to be positive")
    if alpha is None:
        alpha = DEFAULT_ALPHA[method]
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    y = as_counts(counts)
    idx = as_monitor_index(monitor, y.shape[1])
    need = required_history(method, baseline)
    if idx[0] < need:
        raise ValueError(
            f"EARS {method} with baseline={baseline} needs {need} earlier time points before "
            f"the first monitored point, but it is at index {idx[0]}"
        )
    z = float(ndtri(1.0 - alpha))
    obs = y[:, idx]
    gap = 0 if method == "C1" else 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, sd = _baseline_stats(y, baseline, gap, idx)
        sigma = np.maximum(sd, minSigma)
        if method != "C3":
            upper = mean + z * sigma
            score = (obs - mean) / sigma
        else:
            upper, score = _c3(y, idx, baseline, minSigma, z, obs, sigma)
        alarm = np.where(np.isnan(upper) | np.isnan(obs), np.nan, (obs > upper).astype(float))
    return DetectionResult(
        method=f"ears-{method.lower()}",
        index=idx,
        observed=obs,
        expected=mean,
        upperbound=upper,
        alarm=alarm,
        score=score,
        options={"baseline": baseline, "minSigma": minSigma, "alpha": alpha},
    )


def _c3(
    y: np.ndarray,
    idx: np.ndarray,
    baseline: int,
    min_sigma: float,
    z: float,
    obs: np.ndarray,
    sigma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """C3 threshold as the package writes it: ``y_k`` itself enters ``U_k``."""
    at = np.concatenate([idx - 2, idx - 1, idx])
    mean2, sd2 = _baseline_stats(y, baseline, 2, at)
    c2 = (y[:, at] - mean2) / np.maximum(sd2, min_sigma)
    k = idx.size
    lag2, lag1, lag0 = (np.maximum(0.0, c2[:, i * k : (i + 1) * k] - 1.0) for i in range(3))
    upper = np.maximum(0.0, obs + sigma * (z - (lag2 + lag1)))
    return upper, lag0 + lag1 + lag2
