"""Dask is an optional extra (``epibridge[dask]``): without it the dask engine says how to get it.

Each test runs Python in a child process where ``import dask`` fails (``sys.modules`` holds
None for it, as if it were not installed), so nothing else in this run is affected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from epibridge.detection.engine import DASK_MISSING

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "surveillance"
WITHOUT_DASK = "import sys\nfor name in ('dask', 'distributed'):\n    sys.modules[name] = None\n"
INSTALL = "pip install 'epibridge[dask]'"


def _without_dask(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_DASK + code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},  # Rich wraps at the width: keep messages whole
    )


def test_the_block_really_hides_dask() -> None:
    found = _without_dask("import dask.distributed")
    assert found.returncode != 0 and "ModuleNotFoundError" in found.stderr


def test_run_batch_names_the_extra() -> None:
    code = (
        "import numpy as np\n"
        "from epibridge.detection.engine import run_batch\n"
        "dates = np.datetime64('2001-01-01') + 7 * np.arange(120)\n"
        "try:\n"
        "    run_batch('ears-c1', np.ones((2, 120)), dates, dates[100], {}, 'dask', None)\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    result = _without_dask(code)
    assert result.returncode == 0, result.stderr
    # Said before the missing scheduler address: installing comes first.
    assert result.stdout.strip() == DASK_MISSING and INSTALL in DASK_MISSING


def test_the_command_names_the_extra_and_the_local_engine_still_runs(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pl.read_csv(FIXTURES / "series" / "shadar.csv").select("series_id", "date", "count").write_csv(
        source
    )
    main = "from epibridge.cli import main\nsys.argv[0] = 'epibridge'\nmain()\n"
    common = ["detect", "file", str(source), "--method", "ears-c1", "--frequency", "52",
              "--monitor-from", "2006-01-16"]  # fmt: skip
    refused = _without_dask(
        main, *common, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1",
        "--output", str(tmp_path / "dask.csv"),
    )  # fmt: skip
    assert refused.returncode == 2
    assert INSTALL in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "dask.csv").exists()
    local = _without_dask(main, *common, "--output", str(tmp_path / "local.csv"))
    assert local.returncode == 0, local.stderr
    assert (tmp_path / "local.csv").read_text().startswith("series_id,date,")
