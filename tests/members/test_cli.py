"""The `epibridge` command's contract: each step through the console script's entry point in
this process (tests/support/cli.py), the first run of a new database as the installed script (a
real process)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from epibridge.settings import Settings
from tests.support.cli import invoke, run_script


def run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = invoke(settings, *args)
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def script(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script: what a new process of it finds and prints."""
    result = run_script(settings, *args)
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
    out = script(fresh, "db", "upgrade").stdout
    assert "organization profile loaded" in out
    assert "profile loaded" not in script(fresh, "db", "upgrade").stdout  # idempotent
    assert (
        len(json.loads(script(fresh, "org", "members", "--on", "2024-07-05", "-f", "json").stdout))
        == 10
    )
    # A refusal from the real script: its exit code and a message, no traceback.
    refused = run_script(fresh, "users", "revoke", "nobody")
    assert refused.returncode == 1 and "no user named" in refused.stderr
    assert "Traceback" not in refused.stderr
