"""`epibridge data nowcast|triangle|reporting-delay`: the Contract, through the console script's
entry point in this process (tests/support/cli.py); a refused option as the installed script."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from epibridge.settings import Settings
from tests.epidata.test_cli import run
from tests.nowcasting import vintages
from tests.support.cli import run_script

CONTRACT = "period_start,observed,nowcast,q05,q25,q50,q75,q95"
SELECT = [
    "--state",
    "KAZ",
    "--disease",
    "A37",
    "--metric",
    "cases",
    "--classification",
    "confirmed",
    "--granularity",
    "week",
]


@pytest.fixture
def loaded(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "archive.csv"
    path.write_bytes(vintages.archive())
    landed = run(settings, "data", "import", str(path), "--state", "KAZ")
    assert landed.returncode == 0, landed.stderr
    return settings


def test_nowcast_prints_the_contract_columns(loaded: Settings) -> None:
    result = run(
        loaded,
        "data",
        "nowcast",
        *SELECT,
        "--max-delay",
        str(vintages.MAX_DELAY),
        "--as-of",
        vintages.AS_OF,
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == CONTRACT
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 * vintages.MAX_DELAY
    for row, (start, observed, nowcast) in zip(rows, vintages.expected(), strict=True):
        assert row["period_start"] == start.isoformat()
        assert float(row["observed"]) == observed
        assert float(row["nowcast"]) == pytest.approx(nowcast, rel=1e-9)
        quantiles = [float(row[q]) for q in ("q05", "q25", "q50", "q75", "q95")]
        assert quantiles == sorted(quantiles)
        if nowcast == observed:  # a complete period: nothing left to estimate
            assert quantiles == [observed] * 5
        else:
            assert quantiles[0] <= nowcast <= quantiles[-1]
    # The complete period revised after D shows the revision as observed and as nowcast.
    assert (rows[0]["observed"], rows[0]["nowcast"]) == ("33", "33")


def test_triangle_csv_and_reporting_delay(loaded: Settings) -> None:
    args = [*SELECT, "--max-delay", "2", "--as-of", vintages.AS_OF, "--format", "csv"]
    triangle = run(loaded, "data", "triangle", *args)
    assert triangle.returncode == 0, triangle.stderr
    rows = list(csv.DictReader(io.StringIO(triangle.stdout)))
    assert [(r["period_start"], r["d0"], r["d1"], r["d2"]) for r in rows[-2:]] == [
        ("2025-03-17", "17", "35", ""),
        ("2025-03-24", "18", "", ""),
    ]
    delay = run(loaded, "data", "reporting-delay", *args)
    assert delay.returncode == 0, delay.stderr
    assert delay.stdout.splitlines() == [
        "state,disease,periods,median_delay,p90_delay,synthetic",
        "KAZ,A37,7,1,2,false",
    ]


def test_a_bad_max_delay_names_the_option(loaded: Settings) -> None:
    result = run_script(loaded, "data", "nowcast", *SELECT, "--max-delay", "0")
    assert result.returncode != 0
    assert "max_delay" in result.stderr
