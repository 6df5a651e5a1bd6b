"""Chunked local threads and a Dask cluster give exactly the single-call results."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from dask.distributed import LocalCluster

from epibridge.nowcasting.engine import run_nowcast
from epibridge.nowcasting.intervals import nowcast_intervals
from epibridge.nowcasting.synthetic import synthetic_histories

pytestmark = pytest.mark.xdist_group("nowcasting-engine")


@pytest.fixture(scope="module")
def triangles() -> np.ndarray:
    """SYNTHETIC triangles."""
    return synthetic_histories(23, 40, 5, seed=9).known_at_end()


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=1, processes=True, threads_per_worker=1, dashboard_address=None
    ) as c:
        yield c


def test_local_chunks_equal_single_call(triangles: np.ndarray) -> None:
    whole = nowcast_intervals(triangles)
    done: list[int] = []
    chunked = run_nowcast(triangles, chunk_size=4, max_workers=2, progress=done.append)
    np.testing.assert_array_equal(chunked.nowcast, whole.fit.nowcast)
    np.testing.assert_array_equal(chunked.quantiles, whole.quantiles)
    assert sum(done) == 23


@pytest.mark.parametrize("method", ["chain-ladder", "bayes"])
def test_dask_equals_local(cluster: LocalCluster, triangles: np.ndarray, method: str) -> None:
    local = run_nowcast(triangles, method, chunk_size=5, max_workers=2)
    dask = run_nowcast(triangles, method, "dask", cluster.scheduler_address, chunk_size=5)
    np.testing.assert_array_equal(dask.quantiles, local.quantiles)
    np.testing.assert_array_equal(dask.nowcast, local.nowcast)


def test_unknown_method_or_engine_is_refused(triangles: np.ndarray) -> None:
    with pytest.raises(ValueError, match="method"):
        run_nowcast(triangles, "magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="engine"):
        run_nowcast(triangles, engine="spark")  # type: ignore[arg-type]


def test_dask_without_a_scheduler_says_so(
    triangles: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EPIBRIDGE_DASK_SCHEDULER", raising=False)
    with pytest.raises(ValueError, match="scheduler address"):
        run_nowcast(triangles, engine="dask")
