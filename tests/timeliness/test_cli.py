"""`epibridge timeliness`: the steps through the console script's entry point in this process
(tests/support/cli.py), an invalid one as the installed script (a real process)."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session
from epibridge.settings import Settings
from tests.helpers import CLI_WALK_ON_SQLITE
from tests.notifications.test_cli import run
from tests.support.cli import run_script
from tests.timeliness.factory import make_event


@CLI_WALK_ON_SQLITE
def test_record_show_and_scorecard(settings: Settings, sessions: sessionmaker[Session]) -> None:
    event_id = str(make_event(sessions))
    run(settings, "users", "create", "fp-rus", "--role", "focal_point", "--state", "RUS")
    run(
        settings,
        "timeliness",
        "milestones",
        event_id,
        "--emergence",
        "2026-02-27",
        "--emergence-source",
        "Synthetic: line list",
    )
    national = ["--national", "2026-03-06", "--national-source", "Synthetic: ministry log"]
    run(settings, "timeliness", "milestones", event_id, *national)
    for action in ("investigation", "epi_analysis", "lab_confirmation", "case_management"):
        run(settings, "timeliness", "action", event_id, action, "--completed", "2026-03-08")
    for action in ("countermeasures", "risk_communication"):
        run(settings, "timeliness", "action", event_id, action, "--not-needed")
    run(settings, "timeliness", "action", event_id, "coordination", "--completed", "2026-03-10")
    enabler = ["--kind", "enabler", "--stage", "notify", "--category", "data_systems"]
    run(settings, "timeliness", "factor", event_id, *enabler, "--description", "Synthetic: EIDSS")

    shown = json.loads(run(settings, "timeliness", "show", event_id, "--format", "json").stdout)
    # The emergence date kept when only the national date was given afterwards.
    assert shown["emergence"]["source"] == "Synthetic: line list"
    assert (shown["detect_days"], shown["notify_days"], shown["respond_days"]) == (6, 1, 4)
    table = run(settings, "timeliness", "show", event_id).stdout
    assert "detect 6 d (met)" in table and "not_needed" in table

    as_rus = ["--not-needed", "--as", "fp-rus"]
    refused = run(settings, "timeliness", "action", event_id, "investigation", *as_rus, check=False)
    assert refused.returncode == 1 and "RUS" in refused.stderr
    invalid = run_script(settings, "timeliness", "action", event_id, "investigation")
    assert invalid.returncode == 2 and "completed_on" in invalid.stderr

    exported = run(settings, "timeliness", "scorecard", "--by", "year", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["state"] == "region" and rows[0]["all_share"] == "1"
    printed = run(settings, "timeliness", "scorecard", "--state", "KAZ").stdout
    assert "2026-Q1" in printed and "100%" in printed


def test_withdraw_a_factor(settings: Settings, sessions: sessionmaker[Session]) -> None:
    event_id = str(make_event(sessions))
    run(settings, "users", "create", "fp-rus", "--role", "focal_point", "--state", "RUS")
    bottleneck = ["--kind", "bottleneck", "--stage", "detect", "--category", "laboratory"]
    run(settings, "timeliness", "factor", event_id, *bottleneck, "--description", "Synthetic: PCR")
    shown = json.loads(run(settings, "timeliness", "show", event_id, "--format", "json").stdout)
    factor_id = str(shown["factors"][0]["id"])

    # Another member's focal point may not withdraw it; an unknown one is named.
    refused = run(
        settings,
        "timeliness",
        "withdraw-factor",
        event_id,
        factor_id,
        "--as",
        "fp-rus",
        check=False,
    )
    assert refused.returncode == 1 and "RUS" in refused.stderr
    unknown = run(settings, "timeliness", "withdraw-factor", event_id, "999999", check=False)
    assert unknown.returncode == 1 and "999999" in unknown.stderr

    printed = run(settings, "timeliness", "withdraw-factor", event_id, factor_id).stdout
    assert "Synthetic: PCR" not in printed
    shown = json.loads(run(settings, "timeliness", "show", event_id, "--format", "json").stdout)
    assert shown["factors"] == []
    with read_session(sessions) as session:
        actions = session.execute(
            select(AuditEntry.action).where(
                AuditEntry.entity == "timeliness", AuditEntry.entity_id == event_id
            )
        ).scalars()
        assert list(actions) == ["add_factor", "remove_factor"]
