"""`epibridge sdmx structure` and `data` in-process: the files sdmx1 reads, the errors."""

from __future__ import annotations

from pathlib import Path

import sdmx
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from epibridge.cli import app
from epibridge.settings import Settings
from tests.gateways.sdmx.support import (
    assert_valid,
    data_schema,
    load,
    official_schema,
    values_by_series,
)


def _cli(settings: Settings, *args: str) -> Result:
    env = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, ["sdmx", *args], env=env)


def test_structure_and_data_files(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    load(sessions)
    structure = tmp_path / "structure.xml"
    done = _cli(settings, "structure", "--output", str(structure))
    assert done.exit_code == 0, done.output
    assert_valid(official_schema(), structure.read_bytes())
    dsd = sdmx.read_sdmx(structure).structure["EPI_OBS"]

    xml = tmp_path / "kaz.xml"
    key = "W.KAZ._Z.J11.CASES.CONFIRMED._T._T"
    done = _cli(settings, "data", key, "-o", str(xml), "-f", "structurespecific")
    assert done.exit_code == 0 and "1 series, 3 observations" in done.output, done.output
    assert_valid(data_schema(tmp_path), xml.read_bytes())
    csv = tmp_path / "kaz.csv"
    _cli(settings, "data", key, "-o", str(csv), "--start-period", "2024-W02")
    expected = {
        ("W", "KAZ", "_Z", "J11", "CASES", "CONFIRMED", "_T", "_T"): [
            ("2024-W01", 5), ("2024-W02", 7), ("2024-W03", None),
        ],
    }  # fmt: skip
    assert values_by_series(sdmx.read_sdmx(xml, structure=dsd)) == expected
    later = values_by_series(sdmx.read_sdmx(csv, structure=dsd))
    assert later == {k: v[1:] for k, v in expected.items()}

    refused = _cli(settings, "data", "W.KAZ", "-o", str(tmp_path / "no.csv"))
    assert refused.exit_code == 2 and "key: 8 dot-separated positions" in refused.output
    assert not (tmp_path / "no.csv").exists()
