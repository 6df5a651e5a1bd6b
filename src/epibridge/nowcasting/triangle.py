"""Checks and views of reporting triangles (the convention is in the package docstring)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def as_triangles(values: ArrayLike) -> np.ndarray:
    """``values`` as a float ``(S, T, D + 1)`` array, failing early on what no method can use.

    Negative or infinite values are rejected: they are counts as reported, and a
    chain ladder over them would silently produce nonsense.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    if arr.ndim != 3:
        raise ValueError(
            f"reporting triangles must be 2-D or 3-D (series x period x delay), got {arr.ndim}-D"
        )
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError("reporting triangles need at least one period and one delay")
    if np.isinf(arr).any():
        raise ValueError("triangle values must be finite (use NaN for an unknown value)")
    with np.errstate(invalid="ignore"):
        negative = arr < 0
    if negative.any():
        s, t, d = np.argwhere(negative)[0]
        raise ValueError(
            f"triangle values must be non-negative: series {s}, period {t}, delay {d} "
            f"is {arr[s, t, d]}"
        )
    return arr


def latest_delay(values: np.ndarray) -> np.ndarray:
    """Largest known delay per series and period, ``-1`` where nothing is known: ``(S, T)``."""
    known = ~np.isnan(values)
    n_delay = values.shape[-1]
    last = n_delay - 1 - np.argmax(known[..., ::-1], axis=-1)
    return np.where(known.any(axis=-1), last, -1)


def latest(values: np.ndarray) -> np.ndarray:
    """The latest known value per series and period (the naive "as reported"), NaN if none."""
    d = latest_delay(values)
    got = np.take_along_axis(values, np.maximum(d, 0)[..., np.newaxis], axis=-1)[..., 0]
    return np.where(d >= 0, got, np.nan)


def reporting_mask(n_period: int, n_delay: int, lag: int = 0) -> np.ndarray:
    """Cells ``(t, d)`` known at the end of period ``n_period - 1 - lag`` (``t + d`` up to it)."""
    t = np.arange(n_period)[:, np.newaxis]
    d = np.arange(n_delay)[np.newaxis, :]
    return t + d <= n_period - 1 - lag


def truncate(values: np.ndarray, lag: int) -> np.ndarray:
    """The triangles as they were ``lag`` periods before the nowcast date.

    Drops the last ``lag`` periods (they had not ended) and hides every cell not yet
    known then; the result follows the same convention, ``(S, T - lag, D + 1)``.
    """
    n_period, n_delay = values.shape[-2], values.shape[-1]
    if not 0 <= lag < n_period:
        raise ValueError(f"lag must lie in [0, {n_period - 1}], got {lag}")
    kept = values[..., : n_period - lag, :]
    return np.where(reporting_mask(n_period - lag, n_delay), kept, np.nan)
