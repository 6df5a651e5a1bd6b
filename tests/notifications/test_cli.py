"""`epibridge notify`: the steps through the console script's entry point in this process
(tests/support/cli.py), a refusal as the installed script (a real process)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session
from epibridge.notifications import cap as caplib
from epibridge.security import operator_principal
from epibridge.settings import Settings
from tests.helpers import CLI_WALK_ON_SQLITE
from tests.notifications.factory import event_body
from tests.support.cli import invoke, run_script

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """One step, through the console script's entry point in this process."""
    result = invoke(settings, *args)
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@CLI_WALK_ON_SQLITE
def test_notify_commands(
    settings: Settings, live_url: str, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    token = (
        run(settings, "users", "create", "fp-kaz", "--role", "focal_point", "--state", "KAZ")
        .stdout.strip()
        .splitlines()[-1]
    )
    run(settings, "users", "create", "sec", "--role", "secretariat")
    created = httpx.post(
        f"{live_url}/api/v1/notifications",
        json=event_body(area_code="KZ-75"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201
    first = created.json()["id"]

    body = tmp_path / "event.json"
    body.write_text(json.dumps(event_body(title="Synthetic test: from a file", mode="test")))
    assert run(settings, "notify", "create", str(body), "--as", "fp-kaz").stdout.startswith(
        f"notification {first + 1} notified"
    )
    # The account's rights applied; the entry also names who was at the console.
    with read_session(sessions) as session:
        actors = set(
            session.execute(
                select(AuditEntry.actor).where(
                    AuditEntry.entity.like("notification%"),
                    AuditEntry.entity_id == str(first + 1),
                )
            ).scalars()
        )
    assert actors == {f"user:fp-kaz via {operator_principal().actor}"}
    listed = json.loads(run(settings, "notify", "list", "--format", "json").stdout)
    assert [(e["id"], e["exercise"]) for e in listed] == [(first + 1, True), (first, False)]
    assert [
        e["id"]
        for e in json.loads(run(settings, "notify", "list", "--real", "--format", "json").stdout)
    ] == [first]
    table = run(settings, "notify", "list").stdout
    assert "Synthetic test" in table
    # The probable count was not reported: a dash the legend explains, never 0 or "None".
    assert "12/–/3/0" in table and "None" not in table
    assert "S/P/C/D: suspected, probable and confirmed cases, deaths; – not reported." in table

    shown = json.loads(run(settings, "notify", "show", str(first), "--format", "json").stdout)
    assert shown["area_code"] == "KZ-75" and shown["timeline"][0]["kind"] == "notified"
    text = run(settings, "notify", "show", str(first)).stdout
    assert "pending:" in text and "None" not in text
    assert "suspected 12, probable not reported, confirmed 3, deaths 0" in text

    xml = run(settings, "notify", "export-cap", str(first)).stdout.encode()
    caplib.validate(xml)
    out = tmp_path / "alert.xml"
    run(settings, "notify", "export-cap", str(first + 1), "-o", str(out))
    assert etree.fromstring(out.read_bytes()).findtext(f"{CAP}status") == "Test"

    reminded = run(settings, "notify", "remind", str(first), "--as", "sec").stdout
    assert reminded.startswith("reminded 9 state(s)") and "KAZ" not in reminded

    body.write_text(json.dumps(event_body(onset_date="2999-01-01")))
    bad = run(settings, "notify", "create", str(body), "--as", "fp-kaz", check=False)
    assert bad.returncode == 2 and "onset_date" in bad.stderr
    denied = run(settings, "notify", "remind", str(first), "--as", "nobody", check=False)
    assert denied.returncode == 1 and "no user named" in denied.stderr
    missing = run_script(settings, "notify", "show", "999")  # the installed script
    assert missing.returncode == 1 and "no notification 999" in missing.stderr
