"""`epibridge preparedness`: a determination, a state's entry written and confirmed as its focal
point (refused as another, by the installed script in a real process), a communication test and
its CSV report; the other steps through the script's entry point in this process."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.settings import Settings
from tests.helpers import CLI_WALK_ON_SQLITE, make_user
from tests.members.test_cli import run
from tests.notifications.factory import FP_KAZ, event_body
from tests.support.cli import run_script


@CLI_WALK_ON_SQLITE
def test_the_commands(settings: Settings, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    make_user(sessions, "fp-rus", "focal_point", "RUS")
    with write_session(sessions) as session:
        event_id = notifications.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body())
        ).id
    out = run(
        settings,
        "preparedness",
        "determine",
        str(event_id),
        "--determination",
        "pheic",
        "--determined-on",
        "2026-01-05",
    ).stdout
    assert f"event {event_id}: pheic (2026-01-05)" in out
    refused = run_script(
        settings,
        "preparedness",
        "directory-set",
        "KAZ",
        "--as",
        "fp-rus",
        "--duty-phone",
        "+7 000",
    )
    assert (
        refused.returncode != 0
        and "may only write data of RUS, not KAZ" in refused.stderr + refused.stdout
    )
    run(
        settings,
        "preparedness",
        "directory-set",
        "KAZ",
        "--as",
        "fp-kaz",
        "--focal-point",
        "NFP (synthetic)",
        "--duty-phone",
        "+7 717 000 00 00",
        "--languages",
        "kk,ru",
    )
    run(settings, "preparedness", "directory-confirm", "KAZ", "--as", "fp-kaz")
    entries = json.loads(run(settings, "preparedness", "directory", "-f", "json").stdout)
    kaz = next(e for e in entries if e["state"] == "KAZ")
    assert kaz["languages"] == ["kk", "ru"] and not kaz["confirmation_due"]
    assert "reminded:" in run(settings, "preparedness", "remind").stdout
    launched = run(settings, "preparedness", "test-launch", "--note", "synthetic").stdout
    test_id = launched.split()[1].rstrip(":")
    assert launched.startswith("TEST ")
    run(settings, "preparedness", "test-ack", test_id, "--as", "fp-kaz")
    rows = list(
        csv.DictReader(
            io.StringIO(run(settings, "preparedness", "test-report", test_id, "--csv").stdout)
        )
    )
    by_state = {r["state"]: r["answer_time"] for r in rows}
    assert by_state["KAZ"] == "within_1_hour" and by_state["RUS"] == "not_at_all"
