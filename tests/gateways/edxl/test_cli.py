"""`epibridge edxl` in-process (CliRunner): export a request, import it back as its state's
focal point, and a refusal that names the element and exits non-zero. Synthetic data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.cli import app
from epibridge.settings import Settings
from tests.gateways.edxl.test_rm import _counts, _seed
from tests.helpers import make_user

runner = CliRunner()


def test_edxl_commands(
    settings: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EPIBRIDGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EPIBRIDGE_VAR_DIR", str(settings.var_dir))
    ids = _seed(sessions)
    make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    out = tmp_path / "request.xml"
    result = runner.invoke(
        app, ["edxl", "export-rm", "request", str(ids["request"]), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    before = _counts(sessions)
    result = runner.invoke(app, ["edxl", "import-rm", str(out), "--as", "fp-kgz"])
    assert result.exit_code == 0 and "request" in result.output, result.output
    assert _counts(sessions)[0] == before[0] + 1
    bad = tmp_path / "bad.xml"
    bad.write_bytes(out.read_bytes().replace(b"<rm:Amount>50<", b"<rm:Amount>x<", 1))
    result = runner.invoke(app, ["edxl", "import-rm", str(bad), "--as", "fp-kgz"])
    assert result.exit_code != 0
    assert "/RequestResource/ResourceInformation[2]" in result.output
    assert _counts(sessions)[0] == before[0] + 1
    result = runner.invoke(app, ["edxl", "export-rm", "offer", str(ids["offer"])])
    assert result.exit_code == 0 and "ResponseToRequestResource" in result.output
