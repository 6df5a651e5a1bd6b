"""The `epibridge consult` commands, run as the installed console script (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service
from epibridge.consultations.schemas import DocumentCreate, VersionCreate
from epibridge.db import utcnow, write_session
from epibridge.members import accounts
from epibridge.settings import Settings
from tests.helpers import make_user

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")


def run(settings: Settings, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [EPIBRIDGE, "consult", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == code, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    return result


def test_consult_commands_from_convening_to_signature(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    for name, state in [("fp-kgz", "KGZ"), ("fp-kaz", "KAZ"), ("fp-rus", "RUS"), ("fp-ind", "IND")]:
        make_user(sessions, name, "focal_point", state)
    # Kyrgyzstan chairs today (from 2 September 2025), so its focal point convenes.
    out = run(
        settings,
        "convene",
        "--as", "fp-kgz",
        "--topic", "Anthrax in cattle near the border (synthetic)",
        "--participant", "KAZ",
        "--agenda", "Situation",
        "--agenda", "Joint measures",
    ).stdout  # fmt: skip
    assert "with KAZ, KGZ" in out
    consultation_id = int(out.split()[2])
    with write_session(sessions) as session:
        kgz = accounts.principal_of(accounts.get_user(session, name="fp-kgz"))
        document = service.create_document(
            session,
            actor=kgz,
            consultation_id=consultation_id,
            data=DocumentCreate(
                kind="action_plan",
                title="Action plan (synthetic)",
                texts={"en": "Vaccinate herds within 10 km.", "zh": "合成测试文本。"},
            ),
        )
        service.create_version(
            session,
            actor=kgz,
            document_id=document.id,
            data=VersionCreate(
                based_on=1, texts={"en": "Vaccinate herds within 20 km.", "zh": "合成测试文本。"}
            ),
        )
    doc = str(document.id)

    versions = json.loads(run(settings, "versions", doc, "--as", "fp-kaz", "-f", "json").stdout)
    assert [v["number"] for v in versions] == [1, 2]
    diff = run(settings, "diff", doc, "--as", "fp-kaz", "--from", "1", "--to", "2").stdout
    assert "-Vaccinate herds within 10 km." in diff and "+Vaccinate herds within 20 km." in diff
    assert "# zh: unchanged" in diff

    deadline = (utcnow() + timedelta(days=2)).isoformat()
    run(settings, "decide", doc, "--as", "fp-kgz", "--version", "2", "--deadline", deadline)
    # Another state's focal point cannot speak for Kazakhstan (the other refusals are tested
    # through the service and the API; each process start costs seconds).
    refused = run(
        settings, "position", doc, "--as", "fp-rus", "--state", "KAZ", "--version", "2",
        "--position", "support", code=1,
    ).stderr  # fmt: skip
    assert "may only write data of RUS, not KAZ" in refused
    for user, state in [("fp-kgz", "KGZ"), ("fp-kaz", "KAZ")]:
        out = run(
            settings, "position", doc, "--as", user, "--state", state, "--version", "2",
            "--position", "support",
        ).stdout  # fmt: skip
        assert f"{state}: support on version 2" in out
    adopted = run(settings, "adopt", doc, "--as", "fp-kgz").stdout
    assert f"adopted as SCO/BIO/{utcnow().year}/001" in adopted
    signed = run(settings, "sign", doc, "--as", "fp-kaz", "--state", "KAZ").stdout
    assert "KAZ signed" in signed

    shown = run(settings, "show", str(consultation_id), "--as", "fp-rus").stdout
    assert "member states: KAZ, KGZ" in shown and "[adopted] SCO/BIO/" in shown
    listed = json.loads(run(settings, "list", "--as", "fp-ind", "-f", "json").stdout)
    assert [c["id"] for c in listed] == [consultation_id]
    # Nothing is due now.
    assert "0 decision(s) closed" in run(settings, "close-due").stdout
