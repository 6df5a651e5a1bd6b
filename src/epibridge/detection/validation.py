"""Input checks shared by the algorithms: fail early with messages a user can act on."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike


def as_counts(counts: ArrayLike) -> np.ndarray:
    """Return counts as a float 2-D array (series x time); NaN marks a missing count.

    Negative or infinite counts are rejected because every method here models
    non-negative counts and R would either stop or silently produce nonsense.
    """
    arr = np.asarray(counts, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise ValueError(f"counts must be 1-D or 2-D (series x time), got {arr.ndim}-D")
    if np.isinf(arr).any():
        raise ValueError("counts must be finite (use NaN for a missing count)")
    with np.errstate(invalid="ignore"):
        negative = arr < 0
    if negative.any():
        s, t = np.argwhere(negative)[0]
        raise ValueError(f"counts must be non-negative: series {s}, time index {t} is {arr[s, t]}")
    return arr


def as_monitor_index(monitor: Iterable[int] | slice | np.ndarray, n_time: int) -> np.ndarray:
    """0-based, strictly increasing time indices to monitor, checked against the series length."""
    if isinstance(monitor, slice):
        idx = np.arange(n_time)[monitor]
    else:
        idx = np.asarray(list(monitor) if not isinstance(monitor, np.ndarray) else monitor)
        idx = idx.astype(np.int64, copy=False)
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError("the monitored range must be a non-empty 1-D sequence of time indices")
    if np.any(np.diff(idx) <= 0):
        raise ValueError("the monitored time indices must be strictly increasing")
    if idx[0] < 0 or idx[-1] >= n_time:
        raise ValueError(f"monitored time indices must lie in [0, {n_time - 1}]")
    return idx


def check_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    """Reject unknown option values with the list of valid ones."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(
            f"unknown {name} {value!r}; expected one of {', '.join(map(repr, allowed))}"
        )
