"""Chunked local threads and a Dask cluster give exactly the single-call results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from dask.distributed import LocalCluster

from epibridge.detection.engine import infer_frequency, run_batch
from epibridge.detection.methods import run_method
from epibridge.detection.result import DetectionResult

#: Its module-scoped fixture is built once: under pytest-xdist every test of the module
#: goes to one worker (``make test`` runs ``--dist loadgroup``).
pytestmark = pytest.mark.xdist_group("detection-engine")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "surveillance"
N_TIME = 6 * 52
DATES = np.datetime64("2001-01-01") + 7 * np.arange(N_TIME)
MONITOR_FROM = DATES[N_TIME - 40]


def _counts(n_series: int = 10) -> np.ndarray:
    rng = np.random.default_rng(3)
    lam = rng.uniform(2, 60, size=(n_series, 1)) * (1 + 0.5 * np.sin(np.arange(N_TIME) / 8.3))
    y = rng.poisson(lam).astype(float)
    y[-1, 50] = np.nan
    shadar = pl.read_csv(FIXTURES / "series" / "shadar.csv")["count"].to_numpy()
    y[0, : shadar.size] = shadar
    return y


def _assert_identical(a: DetectionResult, b: DetectionResult) -> None:
    assert a.columns().keys() == b.columns().keys()
    for name, arr in a.columns().items():
        np.testing.assert_array_equal(arr, b.columns()[name], err_msg=name)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as c:
        yield c


@pytest.mark.parametrize("method", ["noufaily", "farrington", "ears-c3"])
def test_local_chunks_equal_single_call(method: str) -> None:
    y = _counts()
    whole = run_method(method, y, np.arange(N_TIME - 40, N_TIME), 52, DATES)
    chunked = run_batch(method, y, DATES, MONITOR_FROM, {}, "local", chunk_size=3, max_workers=2)
    _assert_identical(whole, chunked)


@pytest.mark.parametrize(
    ("method", "options"),
    [("noufaily", {"reference_by": "date"}), ("farrington", {}), ("ears-c1", {"alpha": 0.01})],
)
def test_dask_equals_local(cluster: LocalCluster, method: str, options: dict[str, object]) -> None:
    y = _counts()
    local = run_batch(method, y, DATES, MONITOR_FROM, options, "local", chunk_size=4)
    done: list[int] = []
    remote = run_batch(
        method,
        y,
        DATES,
        MONITOR_FROM,
        options,
        "dask",
        cluster.scheduler_address,
        chunk_size=4,
        progress=done.append,
    )
    _assert_identical(local, remote)
    assert sum(done) == y.shape[0]


def test_engine_errors() -> None:
    y = _counts(2)
    with pytest.raises(ValueError, match="unknown engine"):
        run_batch("farrington", y, DATES, MONITOR_FROM, {}, "spark")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scheduler address"):
        run_batch("farrington", y, DATES, MONITOR_FROM, {}, "dask", None)
    with pytest.raises(ValueError, match="no time point on or after"):
        run_batch("farrington", y, DATES, "2030-01-01", {})
    with pytest.raises(ValueError, match="unknown detection method"):
        run_batch("cusum", y, DATES, MONITOR_FROM, {})
    assert infer_frequency(DATES) == 52


def test_cli_dask_engine_from_env(cluster: LocalCluster, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from epibridge.detection.cli import app

    inp = tmp_path / "in.csv"
    pl.read_csv(FIXTURES / "series" / "shadar.csv").select("series_id", "date", "count").write_csv(
        inp
    )
    outs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        result = CliRunner().invoke(
            app,
            ["file", str(inp), "--method", "noufaily", "--frequency", "52",
             "--monitor-from", "2006-01-16", "--engine", engine, "--output", str(out)],
            env={"EPIBRIDGE_DASK_SCHEDULER": cluster.scheduler_address},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outs[engine] = out.read_text()
    assert outs["local"] == outs["dask"]
