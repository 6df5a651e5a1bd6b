"""Nowcast many series on local threads or a Dask cluster, as detection does.

Series are independent, so chunks of whole series give the chain ladder the same result
however the batch is split. The Bayesian method seeds each chunk with ``seed`` plus the
index of its first series: the same chunk size gives the same draws on either engine.
The chunking, the thread pool and the Dask client follow ``detection/engine.py``, and the
same ``EPIBRIDGE_DASK_SCHEDULER`` setting names the scheduler.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from epibridge.nowcasting import QUANTILES
from epibridge.nowcasting.bayes import DEFAULT_SEED, nowcast_bayes
from epibridge.nowcasting.intervals import nowcast_intervals
from epibridge.nowcasting.triangle import as_triangles

Engine = Literal["local", "dask"]
NowcastMethod = Literal["chain-ladder", "bayes"]
METHODS: tuple[str, ...] = ("chain-ladder", "bayes")
#: Series per chunk: a chunk's arrays (and the Bayesian draws) stay in cache-sized memory.
DEFAULT_CHUNK = 256


@dataclass(frozen=True)
class NowcastBatch:
    """``(S, T)`` point nowcast (chain ladder, or posterior mean) and ``(S, T, Q)`` quantiles."""

    nowcast: np.ndarray
    quantiles: np.ndarray

    @staticmethod
    def concat(parts: list[NowcastBatch]) -> NowcastBatch:
        return NowcastBatch(
            np.concatenate([p.nowcast for p in parts]),
            np.concatenate([p.quantiles for p in parts]),
        )


def nowcast_chunk(
    values: np.ndarray, method: NowcastMethod, seed: int, calibration: int | None
) -> NowcastBatch:
    """One chunk of series: the unit of work sent to a thread or a Dask worker."""
    if method == "chain-ladder":
        result = nowcast_intervals(values, calibration=calibration)
        return NowcastBatch(result.fit.nowcast, result.quantiles)
    if method == "bayes":
        bayes = nowcast_bayes(values, seed=seed)
        return NowcastBatch(bayes.mean, bayes.quantiles)
    raise ValueError(f"unknown nowcasting method {method!r}; expected one of {METHODS}")


def run_nowcast(
    values: ArrayLike,
    method: NowcastMethod = "chain-ladder",
    engine: Engine = "local",
    scheduler: str | None = None,
    *,
    calibration: int | None = None,
    seed: int = DEFAULT_SEED,
    chunk_size: int = DEFAULT_CHUNK,
    max_workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> NowcastBatch:
    """Nowcast every series of ``values`` (the package's convention) on ``engine``."""
    if method not in METHODS:
        raise ValueError(f"unknown nowcasting method {method!r}; expected one of {METHODS}")
    tri = as_triangles(values)
    n = tri.shape[0]
    if n == 0:
        return NowcastBatch(np.zeros(tri.shape[:2]), np.zeros((*tri.shape[:2], len(QUANTILES))))
    bounds = [(a, min(a + max(1, chunk_size), n)) for a in range(0, n, max(1, chunk_size))]
    tasks = [(tri[a:b], method, seed + a, calibration) for a, b in bounds]
    if engine == "local":
        parts = _local(tasks, bounds, max_workers or os.cpu_count() or 1, progress)
    elif engine == "dask":
        parts = _dask(tasks, bounds, scheduler, progress)
    else:
        raise ValueError(f"unknown engine {engine!r}; expected 'local' or 'dask'")
    return NowcastBatch.concat(parts)


def _local(
    tasks: list[tuple], bounds: list[tuple[int, int]], workers: int, progress: Callable | None
) -> list[NowcastBatch]:
    workers = min(len(tasks), workers)
    if workers <= 1:
        parts = []
        for task, (a, b) in zip(tasks, bounds, strict=True):
            parts.append(nowcast_chunk(*task))
            if progress:
                progress(b - a)
        return parts
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(nowcast_chunk, *task) for task in tasks]
        return _collect(futures, bounds, progress)


def _dask(
    tasks: list[tuple],
    bounds: list[tuple[int, int]],
    scheduler: str | None,
    progress: Callable | None,
) -> list[NowcastBatch]:
    # detection's setting and message, imported here so that detection may use nowcasts
    from epibridge.detection.engine import DASK_MISSING, SCHEDULER_ENV

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
        futures = [client.submit(nowcast_chunk, *task, pure=False) for task in tasks]
        return _collect(futures, bounds, progress)


def _collect(futures: list, bounds: list[tuple[int, int]], progress: Callable | None) -> list:
    parts = []
    for fut, (a, b) in zip(futures, bounds, strict=True):
        parts.append(fut.result())
        if progress:
            progress(b - a)
    return parts
