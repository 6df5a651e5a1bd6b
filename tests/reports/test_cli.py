"""The `epibridge report` commands: each step through the console script's entry point in this
process (tests/support/cli.py), a refused one as the installed script (a real process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow
from epibridge.reports.weeks import previous_week
from epibridge.settings import Settings
from tests.reports import scenario
from tests.reports.helpers import has_phrase, pdf_text, save, squeezed
from tests.support.cli import invoke, run_script


def run(
    settings: Settings, *args: str, code: int = 0, script: bool = False
) -> subprocess.CompletedProcess[str]:
    """One `epibridge report` step in this process (``script``: the installed script)."""
    if script:
        result = run_script(settings, "report", *args, timeout=300)
    else:
        result = invoke(settings, "report", *args)
    assert result.returncode == code, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    return result


def test_sitrep_writes_the_file_the_extension_names_and_stores_it(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, artifacts_dir: Path
) -> None:
    scenario.seed(sessions, detect=False)
    pdf = tmp_path / "kaz-zh.pdf"
    out = run(settings, "sitrep", "--week", "2024-W21", "--lang", "zh", "--state", "KAZ",
              "--output", str(pdf)).stdout  # fmt: skip
    assert "report 1: sitrep-2024-W21-KAZ-zh.pdf written to" in out
    save(
        artifacts_dir,
        f"cli-sitrep-2024-W21-KAZ-zh-{settings.database_url[:6]}.pdf",
        pdf.read_bytes(),
    )
    text = squeezed(pdf_text(pdf.read_bytes()))
    assert "疫情形势报告" in text and "重点国家：哈萨克斯坦(KAZ)" in text
    assert has_phrase(pdf_text(pdf.read_bytes()), scenario.KAZ_EVENT)
    page = tmp_path / "all.html"
    run(settings, "sitrep", "--week", "2024-W21", "--output", str(page))
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert scenario.CHN_EVENT in page.read_text(encoding="utf-8")

    bad = run(settings, "sitrep", "--week", "2024-W21", "--output", str(tmp_path / "x.txt"), code=2)
    assert "--output: must end in .pdf or .html" in bad.stderr
    bad = run(settings, "sitrep", "--week", "2024-W54", "--output", str(pdf), code=2, script=True)
    assert "no such ISO week" in bad.stderr
    listed = run(settings, "list").stdout
    assert "2024-W21" in listed and "KAZ" in listed and "zh" in listed

    copy = tmp_path / "copy.pdf"
    run(settings, "download", "1", "--output", str(copy))
    assert copy.read_bytes() == pdf.read_bytes()


def test_weekly_stores_the_previous_week_once(settings: Settings) -> None:
    label = previous_week(utcnow().date()).label
    first = run(settings, "weekly", "--lang", "en", "--state", "KAZ", "--format", "html").stdout
    assert f"sitrep-{label}-all-en.html stored" in first
    assert f"sitrep-{label}-KAZ-en.html stored" in first
    again = run(settings, "weekly", "--lang", "en", "--state", "KAZ", "--format", "html").stdout
    assert again.count("already stored") == 2
    caught_up = run(settings, "weekly", "--week", "2024-W21", "--lang", "ru", "--format", "html")
    assert "sitrep-2024-W21-all-ru.html stored" in caught_up.stdout
