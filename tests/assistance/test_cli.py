"""The `epibridge assistance` commands: a refused request by the installed script (a real
process), the other steps through its entry point in this process."""

from __future__ import annotations

import json
from datetime import date, timedelta

from epibridge.settings import Settings
from tests.members.test_cli import run
from tests.support.cli import run_script


def test_assistance_commands(settings: Settings) -> None:
    needed_by = (date.today() + timedelta(days=7)).isoformat()
    catalogue = json.loads(run(settings, "assistance", "catalogue", "--format", "json").stdout)
    assert {"oxygen-cylinder", "team-emt1", "vaccine"} <= {i["code"] for i in catalogue}
    bad = run_script(
        settings,
        "assistance",
        "request",
        "--state",
        "PAK",
        "--urgency",
        "immediate",
        "--delivery-point",
        "Karachi",
        "--needed-by",
        needed_by,
        "--line",
        "oxygen-cylinder:-4:cylinder",
    )
    assert bad.returncode == 2 and "lines.0.quantity" in bad.stderr
    made = run(
        settings,
        "assistance",
        "request",
        "--state",
        "PAK",
        "--urgency",
        "immediate",
        "--delivery-point",
        "Karachi",
        "--needed-by",
        needed_by,
        "--line",
        "oxygen-cylinder:400:cylinder",
    )
    request_id = made.stdout.split()[1]
    offered = run(
        settings,
        "assistance",
        "offer",
        "--state",
        "CHN",
        "--answers",
        request_id,
        "--line",
        "oxygen-cylinder:300:cylinder",
        "--commit",
    )
    assert "recorded" in offered.stdout
    requests = json.loads(run(settings, "assistance", "requests", "--format", "json").stdout)
    assert requests[0]["lines"][0]["remaining"] == 100
    run(settings, "assistance", "status", "1", "dispatched")
    board = json.loads(run(settings, "assistance", "board", "--format", "json").stdout)
    assert board["totals"] == {
        "open_needs": 1,
        "overdue_needs": 0,
        "active_pledges": 1,
        "overdue_pledges": 0,
    }
    assert board["pledges"][0]["status"] == "dispatched"
    shown = run(settings, "assistance", "board").stdout
    assert "oxygen-cylinder" in shown and "dispatched" in shown
    wrong = run(settings, "assistance", "status", "1", "confirmed", check=False)
    assert wrong.returncode == 1 and "delivered" in wrong.stderr
