"""Run a method over many series, split into chunks on local threads or a Dask cluster.

Chunks are independent sets of whole series, so results do not depend on how
the batch is split; NumPy releases the GIL in its kernels, so threads suffice
locally and avoid copying the counts into worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from epibridge.detection.methods import get_method, run_method
from epibridge.detection.result import DetectionResult
from epibridge.detection.validation import as_counts

Engine = Literal["local", "dask"]
SCHEDULER_ENV = "EPIBRIDGE_DASK_SCHEDULER"
#: Dask is an optional extra: what the dask engine says when it is not installed.
DASK_MISSING = (
    "the dask engine needs Dask distributed, which is not installed: pip install 'epibridge[dask]'"
)
#: Series per chunk: large enough to amortise per-call overhead, small enough that a
#: chunk's stacked GLM problems stay in cache-friendly, bounded memory.
DEFAULT_CHUNK = 64


def infer_frequency(dates: np.ndarray) -> int:
    """52, 12 or 365 from the spacing of consecutive dates."""
    if dates.size < 2:
        raise ValueError("cannot infer the frequency from fewer than two dates")
    step = int(np.median(np.diff(dates).astype(np.int64)))
    if step == 7:
        return 52
    if 28 <= step <= 31:
        return 12
    if step == 1:
        return 365
    raise ValueError(f"cannot infer the frequency from a spacing of {step} days")


def monitor_index(dates: np.ndarray, monitor_from: date | str | np.datetime64) -> np.ndarray:
    """0-based indices of the time points on or after ``monitor_from``."""
    start = np.datetime64(monitor_from, "D")
    idx = np.flatnonzero(dates >= start)
    if idx.size == 0:
        raise ValueError(f"no time point on or after the monitoring start {start}")
    return idx


def _run_chunk(
    method: str,
    counts: np.ndarray,
    monitor: np.ndarray,
    freq: int,
    dates: np.ndarray,
    options: dict[str, Any],
) -> DetectionResult:
    return run_method(method, counts, monitor, freq, dates, **options)


def run_batch(
    method: str,
    counts: ArrayLike,
    dates: ArrayLike,
    monitor_from: date | str | np.datetime64,
    options: Mapping[str, Any] | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    *,
    freq: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> DetectionResult:
    """Run ``method`` on ``counts`` (series x time, all sharing ``dates``).

    ``freq`` defaults to what the date spacing implies. ``progress`` is called
    with the number of series finished after each chunk.
    """
    get_method(method)  # unknown method -> ValueError before any work
    opts = dict(options or {})
    get_method(method).resolve(opts)
    y = as_counts(counts)
    d = np.asarray(dates, dtype="datetime64[D]")
    if d.size != y.shape[1]:
        raise ValueError(f"{d.size} dates for {y.shape[1]} time points")
    f = infer_frequency(d) if freq is None else freq
    mon = monitor_index(d, monitor_from)
    n = y.shape[0]
    if engine == "local":
        workers = max_workers or os.cpu_count() or 1
        # at most chunk_size series, and at least two equal chunks per thread when the
        # batch is small, so that no thread is left with the last, larger share
        size = min(chunk_size, -(-n // (2 * workers)))
        parts = _local(method, y, mon, f, d, opts, _split(n, size), workers, progress)
    elif engine == "dask":
        parts = _dask(method, y, mon, f, d, opts, _split(n, chunk_size), scheduler, progress)
    else:
        raise ValueError(f"unknown engine {engine!r}; expected 'local' or 'dask'")
    return DetectionResult.concat(parts)


def _split(n: int, size: int) -> list[tuple[int, int]]:
    size = max(1, size)
    return [(i, min(i + size, n)) for i in range(0, n, size)]


def _local(
    method: str,
    y: np.ndarray,
    mon: np.ndarray,
    freq: int,
    dates: np.ndarray,
    opts: dict[str, Any],
    bounds: list[tuple[int, int]],
    max_workers: int,
    progress: Callable[[int], None] | None,
) -> list[DetectionResult]:
    workers = min(len(bounds), max_workers)
    if workers <= 1:
        parts = []
        for a, b in bounds:
            parts.append(_run_chunk(method, y[a:b], mon, freq, dates, opts))
            if progress:
                progress(b - a)
        return parts
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(_run_chunk, method, y[a:b], mon, freq, dates, opts) for a, b in bounds
        ]
        parts = []
        for fut, (a, b) in zip(futures, bounds, strict=True):
            parts.append(fut.result())
            if progress:
                progress(b - a)
    return parts


def _dask(
    method: str,
    y: np.ndarray,
    mon: np.ndarray,
    freq: int,
    dates: np.ndarray,
    opts: dict[str, Any],
    bounds: list[tuple[int, int]],
    scheduler: str | None,
    progress: Callable[[int], None] | None,
) -> list[DetectionResult]:
    try:
        from dask.distributed import Client  # imported lazily: heavy, and an optional extra
    except ImportError:
        raise ValueError(DASK_MISSING) from None
    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if not address:
        raise ValueError(
            f"the dask engine needs a scheduler address (--scheduler or ${SCHEDULER_ENV})"
        )
    with Client(address) as client:
        futures = [
            client.submit(_run_chunk, method, y[a:b], mon, freq, dates, opts, pure=False)
            for a, b in bounds
        ]
        parts = []
        for fut, (a, b) in zip(futures, bounds, strict=True):
            parts.append(fut.result())
            if progress:
                progress(b - a)
    return parts
