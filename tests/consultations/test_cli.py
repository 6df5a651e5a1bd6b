"""The `epibridge consult` commands: the steps through the console script's entry point in this
process (tests/support/cli.py), a refusal as the installed script (a real process)."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service
from epibridge.consultations.schemas import DocumentCreate, VersionCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.members import accounts
from epibridge.members import service as org
from epibridge.settings import Settings
from tests.helpers import CLI_WALK_ON_SQLITE, make_user
from tests.support.cli import invoke, run_script


def run(
    settings: Settings, *args: str, code: int = 0, script: bool = False
) -> subprocess.CompletedProcess[str]:
    """One `epibridge consult` step, through the console script's entry point in this process
    (``script``: as the installed script, in a new one)."""
    result = (run_script if script else invoke)(settings, "consult", *args)
    assert result.returncode == code, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    return result


def _chair_and_delegations(sessions: sessionmaker[Session]) -> tuple[str, str, str, str]:
    """Today's chair and three other members: this test runs real processes on the real
    clock, so it asks the profile who chairs instead of assuming a state."""
    with read_session(sessions) as session:
        chair = org.chair_on(session, on=utcnow().date())
    assert chair is not None, "the profile names no chair for today: update sco.yaml"
    others = [s for s in ("KAZ", "KGZ", "RUS", "IND") if s != chair.state_iso3]
    return chair.state_iso3, others[0], others[1], others[2]


@CLI_WALK_ON_SQLITE
def test_consult_commands_from_convening_to_signature(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    chair, guest, outsider, reader = _chair_and_delegations(sessions)
    fp = {chair: "fp-chair", guest: "fp-guest", outsider: "fp-outsider", reader: "fp-reader"}
    for state, name in fp.items():
        make_user(sessions, name, "focal_point", state)
    delegations = ", ".join(sorted((chair, guest)))
    out = run(
        settings,
        "convene",
        "--as", "fp-chair",
        "--topic", "Anthrax in cattle near the border (synthetic)",
        "--participant", guest,
        "--agenda", "Situation",
        "--agenda", "Joint measures",
    ).stdout  # fmt: skip
    assert f"with {delegations}" in out
    consultation_id = int(out.split()[2])
    with write_session(sessions) as session:
        convenor = accounts.principal_of(accounts.get_user(session, name="fp-chair"))
        document = service.create_document(
            session,
            actor=convenor,
            consultation_id=consultation_id,
            data=DocumentCreate(
                kind="action_plan",
                title="Action plan (synthetic)",
                texts={"en": "Vaccinate herds within 10 km.", "zh": "合成测试文本。"},
            ),
        )
        service.create_version(
            session,
            actor=convenor,
            document_id=document.id,
            data=VersionCreate(
                based_on=1, texts={"en": "Vaccinate herds within 20 km.", "zh": "合成测试文本。"}
            ),
        )
    doc = str(document.id)

    versions = json.loads(run(settings, "versions", doc, "--as", "fp-guest", "-f", "json").stdout)
    assert [v["number"] for v in versions] == [1, 2]
    diff = run(settings, "diff", doc, "--as", "fp-guest", "--from", "1", "--to", "2").stdout
    assert "-Vaccinate herds within 10 km." in diff and "+Vaccinate herds within 20 km." in diff
    assert "# zh: unchanged" in diff

    deadline = (utcnow() + timedelta(days=2)).isoformat()
    run(settings, "decide", doc, "--as", "fp-chair", "--version", "2", "--deadline", deadline)
    # Another state's focal point cannot speak for the guest (the other refusals are tested
    # through the service and the API), from the installed script.
    refused = run(
        settings, "position", doc, "--as", "fp-outsider", "--state", guest, "--version", "2",
        "--position", "support", code=1, script=True,
    ).stderr  # fmt: skip
    assert f"may only write data of {outsider}, not {guest}" in refused
    for user, state in [("fp-chair", chair), ("fp-guest", guest)]:
        out = run(
            settings, "position", doc, "--as", user, "--state", state, "--version", "2",
            "--position", "support",
        ).stdout  # fmt: skip
        assert f"{state}: support on version 2" in out
    adopted = run(settings, "adopt", doc, "--as", "fp-chair").stdout
    assert f"adopted as SCO/BIO/{utcnow().year}/001" in adopted
    signed = run(settings, "sign", doc, "--as", "fp-guest", "--state", guest).stdout
    assert f"{guest} signed" in signed

    shown = run(settings, "show", str(consultation_id), "--as", "fp-outsider").stdout
    assert f"member states: {delegations}" in shown and "[adopted] SCO/BIO/" in shown
    listed = json.loads(run(settings, "list", "--as", "fp-reader", "-f", "json").stdout)
    assert [c["id"] for c in listed] == [consultation_id]
    # Nothing is due now.
    assert "0 decision(s) closed" in run(settings, "close-due").stdout

    closed = run(
        settings, "close", str(consultation_id), "--as", "fp-chair", "--outcome", "adopted",
    ).stdout  # fmt: skip
    assert f"consultation {consultation_id} closed (adopted) by user:fp-chair" in closed
    shown = run(settings, "show", str(consultation_id), "--as", "fp-guest").stdout
    assert "[closed] convened" in shown
    assert f"closed {utcnow():%Y-%m-%d} by user:fp-chair" in shown and "(adopted)" in shown
