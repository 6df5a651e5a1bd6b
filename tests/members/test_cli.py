"""The `epibridge` command's contract, run as the installed console script (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from epibridge.settings import Settings

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")


def run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [EPIBRIDGE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.mark.parametrize(
    ("day", "count"), [("2001-06-16", 6), ("2017-06-10", 8), ("2024-07-05", 10)]
)
def test_org_members_json_contract(settings: Settings, day: str, count: int) -> None:
    states = json.loads(run(settings, "org", "members", "--on", day, "--format", "json").stdout)
    assert len(states) == count
    assert all(isinstance(s["iso3"], str) and isinstance(s["name"], str) for s in states)


def test_org_chair_names_the_state(settings: Settings) -> None:
    assert "China" in run(settings, "org", "chair", "--on", "2018-01-01").stdout
    assert run(settings, "org", "chair", "--on", "2020-05-13").stdout.startswith("RUS Russia")


def test_bad_date_is_a_clear_error(settings: Settings) -> None:
    result = run(settings, "org", "members", "--on", "2024-13-01", check=False)
    assert result.returncode == 2
    assert "--on" in result.stderr and "malformed date" in result.stderr


def test_users_create_prints_token_last_and_it_works(settings: Settings, live_url: str) -> None:
    result = run(settings, "users", "create", "fp-kaz", "--role", "focal_point", "--state", "KAZ")
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("eb_")
    me = httpx.get(f"{live_url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["state"] == "KAZ"

    listed = run(settings, "users", "list", "--format", "json").stdout
    assert [u["name"] for u in json.loads(listed)] == ["fp-kaz"]

    revoked = run(settings, "users", "revoke", "fp-kaz")
    assert "revoked 1 token" in revoked.stdout
    again = httpx.get(f"{live_url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "fp", "--role", "focal_point"], "state: required"),
        (["users", "create", "fp", "--role", "focal_point", "--state", "ZZZ"], "not an ISO 3166"),
        (["users", "create", "x", "--role", "admin"], "name"),
        (["users", "revoke", "nobody"], "no user named"),
    ],
)
def test_users_bad_input(settings: Settings, args: list[str], message: str) -> None:
    result = run(settings, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_on_a_new_database_loads_the_profile(tmp_path: Path) -> None:
    fresh = Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}", var_dir=tmp_path)
    out = run(fresh, "db", "upgrade").stdout
    assert "organization profile loaded" in out
    assert "profile loaded" not in run(fresh, "db", "upgrade").stdout  # idempotent
    assert (
        len(json.loads(run(fresh, "org", "members", "--on", "2024-07-05", "-f", "json").stdout))
        == 10
    )
