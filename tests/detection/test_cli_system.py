"""`epibridge detect run|schedule|signals|confirm|dismiss` on a database: the steps through the
console script's entry point in this process (tests/support/cli.py), an unknown state refused by
the installed script (a real process)."""

from __future__ import annotations

import json
import subprocess

from sqlalchemy.orm import Session, sessionmaker

from epibridge.settings import Settings
from tests.detection.system import BASELINE, OUTBREAK, submit_series
from tests.helpers import CLI_WALK_ON_SQLITE
from tests.support.cli import invoke, run_script


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """One step, through the console script's entry point in this process."""
    return invoke(settings, *args)


@CLI_WALK_ON_SQLITE
def test_run_list_and_decide_from_the_command_line(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    submit_series(sessions, "KGZ", BASELINE + OUTBREAK)
    report = run(settings, "detect", "run", "--state", "KAZ", "--disease", "A09", "--json")
    assert report.returncode == 0, report.stderr
    body = json.loads(report.stdout)
    assert (body["series"], body["opened"], body["notifications"]) == (1, 2, 1)
    scheduled = run(settings, "detect", "schedule", "--times", "1")
    assert scheduled.returncode == 0, scheduled.stderr
    assert "2 new signals" in scheduled.stdout and "1 draft notifications" in scheduled.stdout

    listed = run(settings, "detect", "signals", "--state", "KAZ", "--json")
    assert listed.returncode == 0, listed.stderr
    kaz = json.loads(listed.stdout)
    assert [s["state"] for s in kaz] == ["KAZ", "KAZ"]
    table = run(settings, "detect", "signals")
    assert "SYNTHETIC" in table.stdout and "A09" in table.stdout, table.stderr

    confirmed = run(settings, "detect", "confirm", str(kaz[0]["id"]))
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"notification {kaz[0]['notification_id']} notified" in confirmed.stdout

    listed = run(settings, "detect", "signals", "--state", "KGZ", "--json")
    assert listed.returncode == 0, listed.stderr
    kgz = json.loads(listed.stdout)
    reason = "Synthetic test: duplicate lines in the weekly file"
    dismissed = run(settings, "detect", "dismiss", str(kgz[0]["id"]), "--reason", reason)
    assert dismissed.returncode == 0 and reason in dismissed.stdout
    unknown = run_script(settings, "detect", "run", "--state", "XXX")
    assert unknown.returncode == 2 and "state[0]" in unknown.stderr
