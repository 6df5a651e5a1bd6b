"""`epibridge data` and its contract: the steps through the console script's entry point in this
process (tests/support/cli.py), a rejected import as the installed script (a real process)."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import polars as pl

from epibridge.settings import Settings
from tests.epidata.helpers import csv_of, weekly
from tests.support.cli import invoke, run_script


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """One step, through the console script's entry point in this process."""
    return invoke(settings, *args)


def test_import_then_query_csv_contract(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "kaz.csv"
    path.write_bytes(weekly("KAZ", "J11", "2024-01-01", [5, None]).replace(b"confirmed", b"all"))
    dry = run(settings, "data", "import", str(path), "--state", "KAZ", "--dry-run")
    assert dry.returncode == 0 and "nothing written" in dry.stdout
    landed = run(settings, "data", "import", str(path), "--state", "KAZ")
    assert landed.returncode == 0, landed.stderr
    assert "accepted: 2 rows for KAZ" in landed.stdout
    args = ["data", "query", "--state", "KAZ", "--disease", "J11", "--metric", "cases"]
    result = run(settings, *args, "--granularity", "week", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0].keys() >= {"state", "period_start", "period_end", "value"}
    assert [(r["state"], r["period_start"], r["period_end"], r["value"]) for r in rows] == [
        ("KAZ", "2024-01-01", "2024-01-07", "5"),
        ("KAZ", "2024-01-08", "2024-01-14", ""),
    ]
    table = run(settings, *args)
    assert "not reported" in table.stdout and "2024-01-01" in table.stdout
    out = tmp_path / "out.parquet"
    assert run(settings, *args, "--output", str(out)).returncode == 0
    assert pl.read_parquet(out)["value"].to_list() == [5, None]


def test_rejected_import_prints_each_bad_line_and_fails(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv_of(
            "KAZ,,J11,cases,all,2024-01-01,2024-01-07,3",
            "KAZ,,J11,cases,all,2024-01-08,2024-01-14,-2",
            "KAZ,,J11,cases,all,2024-01-15,2024-01-21,1.5",
        )
    )
    result = run_script(settings, "data", "import", str(path), "--state", "KAZ")
    assert result.returncode != 0
    assert "line 3: value: negative" in result.stderr
    assert "line 4: value: not an integer" in result.stderr
    listed = run(settings, "data", "submissions")
    assert listed.returncode == 0 and "bad.csv" not in listed.stdout
