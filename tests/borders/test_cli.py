"""The `epibridge borders` commands: an overlapping report refused by the installed script (a
real process), the other steps through its entry point in this process."""

from __future__ import annotations

import json

from epibridge.settings import Settings
from tests.members.test_cli import run
from tests.support.cli import run_script


def test_borders_commands(settings: Settings) -> None:
    loaded = run(settings, "borders", "load-registry")
    assert "created" in loaded.stdout
    crossings = json.loads(run(settings, "borders", "list", "--format", "json").stdout)
    attari = next(c for c in crossings if c["code"] == "IND-PAK-attari-wagah-road")
    cid = str(attari["id"])
    reported = run(
        settings,
        "borders",
        "report-status",
        cid,
        "--side",
        "IND",
        "--status",
        "restricted",
        "--c8",
        "2",
        "--from",
        "2026-02-01T00:00:00+05:30",
        "--wait",
        "90",
    )
    assert "recorded 4 report(s)" in reported.stdout
    overlap = run_script(
        settings,
        "borders",
        "report-status",
        cid,
        "--side",
        "IND",
        "--status",
        "open",
        "--c8",
        "0",
        "--from",
        "2026-01-01T00:00:00Z",
        "--traffic",
        "people",
    )
    assert overlap.returncode == 1 and "effective_from" in overlap.stderr
    naive = run(
        settings,
        "borders",
        "report-status",
        cid,
        "--side",
        "PAK",
        "--status",
        "open",
        "--c8",
        "0",
        "--from",
        "2026-01-01T00:00:00",
        check=False,
    )
    assert naive.returncode == 2 and "--from" in naive.stderr
    history = json.loads(run(settings, "borders", "history", cid, "--format", "json").stdout)
    assert len(history) == 4 and {h["side"] for h in history} == {"IND"}
    shown = run(settings, "borders", "show", cid).stdout
    assert "Attari" in shown and "restricted" in shown
    lane = run(
        settings,
        "borders",
        "lanes",
        "create",
        "--kind",
        "fast",
        "--name",
        "synthetic fast lane",
        "--state",
        "IND",
        "--state",
        "PAK",
        "--crossing",
        cid,
        "--from",
        "2026-01-01",
        "--target",
        "60",
    )
    assert "recorded" in lane.stdout
    lanes = json.loads(run(settings, "borders", "lanes", "list", "--format", "json").stdout)
    assert lanes[0]["crossing_ids"] == [attari["id"]] and lanes[0]["traffic"] == "people"
    refused = run(
        settings,
        "borders",
        "lanes",
        "create",
        "--kind",
        "green",
        "--name",
        "x",
        "--state",
        "IND",
        "--state",
        "CHN",
        "--crossing",
        cid,
        "--from",
        "2026-01-01",
        check=False,
    )
    assert refused.returncode == 2 and "crossing_ids.0" in refused.stderr
