"""``epibridge db upgrade`` then ``epibridge demo load`` as real processes on a new database of
each backend, then the application over real HTTP: the issue's contract (signals listed, data
up to the current ISO week), the scenario, the credentials, and loading again.

One full load per backend (module-scoped); the last test loads twice more, which is quick
because everything is there already (through the script's entry point in this process,
tests/support/cli.py: the first load was the installed script's).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from epibridge.settings import Settings
from tests.conftest import BACKENDS
from tests.support.cli import invoke
from tests.support.server import live_server

#: Its module-scoped fixture is built once: under pytest-xdist every test of the module
#: goes to one worker (``make test`` runs ``--dist loadgroup``).
pytestmark = pytest.mark.xdist_group("demo-load")


EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
KAZ_EVENT = "Measles outbreak in Almaty region (SYNTHETIC demo)"


@dataclass
class Demo:
    settings: Settings
    env: dict[str, str]
    base: str
    out: str
    seconds: float

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The installed console script, a real process."""
        result = subprocess.run(
            [EPIBRIDGE, *args], env=self.env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr + result.stdout
        return result

    def invoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The same command through the script's entry point, in this process."""
        result = invoke(self.settings, *args)
        assert result.returncode == 0, result.stderr + result.stdout
        return result

    @property
    def credentials_file(self) -> Path:
        return self.settings.var_dir / "demo-credentials.txt"

    def credentials(self) -> dict[str, tuple[str, str]]:
        """name -> (password, token), read from the file the load wrote."""
        rows = [
            line.split("\t")
            for line in self.credentials_file.read_text().splitlines()
            if not line.startswith("#")
        ]
        return {r[0]: (r[3], r[4]) for r in rows}

    def get(self, path: str, user: str = "secretariat", **params: Any) -> Any:
        token = self.credentials()[user][1]
        response = httpx.get(
            self.base + path,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp(f"demo-{request.param}")
    database = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'demo.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        database = "demo_" + uuid.uuid4().hex[:12]
        cluster.execute(f"CREATE DATABASE {database}")
        url = cluster.url(database)
    settings = Settings(database_url=url, var_dir=root / "var", secret_key="test-secret")
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    try:
        setup = Demo(settings, env, "", "", 0.0)
        setup.cli("db", "upgrade")
        began = time.perf_counter()
        out = setup.cli("demo", "load").stdout
        seconds = time.perf_counter() - began
        print(f"\n`epibridge demo load` on {request.param}: {seconds:.1f} s\n{out}")
        with live_server(settings) as base:
            yield Demo(settings, env, base, out, seconds)
    finally:
        if database is not None:
            request.getfixturevalue("pg_cluster").execute(
                f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"
            )


def this_monday() -> date:
    """The Monday of the current ISO week, computed apart from the code under test."""
    year, week, _ = datetime.now(UTC).date().isocalendar()
    return date.fromisocalendar(year, week, 1)


def members(demo: Demo) -> list[str]:
    return sorted(n.removeprefix("fp-").upper() for n in demo.credentials() if n.startswith("fp-"))


def test_contract_signals_listed_and_data_up_to_the_current_iso_week(demo: Demo) -> None:
    signals = demo.get("/api/v1/signals", limit=100)["items"]
    assert len(signals) >= 1
    assert all(s["synthetic"] for s in signals)
    # The recent rise of measles in Kazakhstan is among them.
    assert any(s["state"] == "KAZ" and s["disease"] == "B05" for s in signals)

    found = demo.get("/api/v1/data/series", state=",".join(members(demo)), disease="B05")
    newest = max(date.fromisoformat(s["points"][-1]["period_start"]) for s in found["series"])
    assert newest == this_monday()
    assert all(s["synthetic"] for s in found["series"])
    assert demo.seconds < 120, f"demo load took {demo.seconds:.0f} s"


def test_the_newest_weeks_come_in_vintages_revised_upwards(demo: Demo) -> None:
    last_week = this_monday() - timedelta(weeks=1)
    history = demo.get(
        "/api/v1/data/series/history", state="KAZ", disease="B05", start=str(last_week)
    )["versions"]
    of_last_week = [v["value"] for v in history if v["period_start"] == str(last_week)]
    assert len(of_last_week) == 2 and of_last_week[0] < of_last_week[1]
    # The current week has one incomplete version so far; one state has not reported it yet.
    assert [v["version"] for v in history if v["period_start"] == str(this_monday())] == [1]
    found = demo.get("/api/v1/data/series", state="KAZ,TJK", disease="J11")["series"]
    last = {s["state"]: s["points"][-1]["period_start"] for s in found}
    assert last == {"KAZ": str(this_monday()), "TJK": str(last_week)}
    submissions = demo.get("/api/v1/data/submissions", limit=100)["items"]
    assert all(s["synthetic"] and s["source"].startswith("SYNTHETIC") for s in submissions)


def test_detection_opened_draft_notifications_marked_exercise(demo: Demo) -> None:
    drafts = demo.get("/api/v1/notifications", user="fp-kaz", status="draft")["items"]
    assert drafts and all(d["exercise"] for d in drafts)
    assert all(d["title"].startswith("[SYNTHETIC DATA] Detection signal") for d in drafts)


def _kaz_event(demo: Demo, user: str = "secretariat") -> dict[str, Any]:
    found = demo.get("/api/v1/notifications", user=user, q=KAZ_EVENT)["items"]
    assert len(found) == 1
    event: dict[str, Any] = demo.get(f"/api/v1/notifications/{found[0]['id']}", user=user)
    return event


def test_scenario_event_notified_updated_acknowledged_verified_assessed(demo: Demo) -> None:
    event = _kaz_event(demo, user="fp-chn")  # another member state sees it
    assert event["status"] == "updated" and event["version"] == 2
    assert event["exercise"] and event["created_by"] == "user:fp-kaz via system:demo"
    assert event["counts"]["confirmed_cases"] == 41
    timeline = demo.get(f"/api/v1/notifications/{event['id']}/timeline", user="fp-chn")
    kinds = [entry["kind"] for entry in timeline]
    assert kinds.index("notified") < kinds.index("updated")
    acknowledged = {a["state"] for a in event["acknowledgements"]["acknowledged"]}
    assert acknowledged == {"CHN", "KGZ", "UZB", "RUS"}
    assert set(event["acknowledgements"]["pending"]) == set(members(demo)) - acknowledged - {"KAZ"}
    [verification] = event["verifications"]
    assert verification["answered_at"] and verification["verified"] is True
    assert event["risk"]["secretariat"]["level"] == "high"
    # Everything it shows was reported last week, so last week's report has it.
    last_week = this_monday() - timedelta(weeks=1)
    assert last_week <= datetime.fromisoformat(event["notified_at"]).date() < this_monday()


def test_scenario_border_conflict_and_lane_below_target(demo: Demo) -> None:
    [crossing] = demo.get("/api/v1/borders/crossings", conflict="true")["items"]
    assert crossing["code"] == "KAZ-CHN-khorgos-road"
    flows = [
        (c["traffic"], c["flow_from"], c["outbound_status"], c["inbound_status"])
        for c in crossing["conflicts"]
    ]
    assert flows == [("people", "KAZ", "open", "restricted")]
    [lane] = crossing["lanes"]
    assert lane["meets_target"] is False and lane["max_wait_minutes"] > lane["target_minutes"]
    history = demo.get(f"/api/v1/borders/crossings/{crossing['id']}/history")["items"]
    assert all("SYNTHETIC" in (r["measures_text"] or "") for r in history)


def test_scenario_open_assistance_request_with_a_pledge(demo: Demo) -> None:
    [request] = demo.get("/api/v1/assistance/requests", state="KAZ", status="open")["items"]
    assert request["event_id"] == _kaz_event(demo)["id"]
    vaccine = next(line for line in request["lines"] if line["item"] == "vaccine")
    assert 0 < vaccine["pledged"] < vaccine["quantity"] and vaccine["remaining"] > 0
    commitments = demo.get("/api/v1/assistance/commitments", request_id=request["id"])["items"]
    assert [c["status"] for c in commitments] == ["pledged"]


def test_scenario_consultation_in_its_position_round(demo: Demo) -> None:
    [consultation] = demo.get("/api/v1/consultations")["items"]
    assert "SYNTHETIC" in consultation["topic"] and consultation["open_decisions"] == 1
    [document] = demo.get(f"/api/v1/consultations/{consultation['id']}/documents")
    decision = demo.get(
        f"/api/v1/consultations/{consultation['id']}/documents/{document['id']}/decision"
    )
    assert decision["status"] == "open"
    assert datetime.fromisoformat(decision["deadline"]) > datetime.now(UTC)
    assert {p["state"] for p in decision["positions"]} == {"KAZ", "CHN", "KGZ", "RUS"}
    assert decision["tally"]["silent"]  # the round is not over


def test_situation_report_of_last_week(demo: Demo) -> None:
    year, week, _ = (this_monday() - timedelta(weeks=1)).isocalendar()
    reports = demo.get("/api/v1/reports", week=f"{year}-W{week:02d}")["items"]
    assert sorted(r["lang"] for r in reports) == ["en", "ru", "zh"]
    assert all(r["created_by"] == "user:secretariat via system:demo" for r in reports)


def _signs_in(demo: Demo, name: str, password: str) -> bool:
    with httpx.Client(base_url=demo.base, timeout=30) as client:
        page = client.get("/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found is not None
        answer = client.post(
            "/login",
            data={"csrf_token": found[1], "name": name, "password": password, "next": "/"},
        )
        return answer.status_code == 303


def _me(demo: Demo, token: str) -> int:
    return httpx.get(
        f"{demo.base}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).status_code


def test_credentials_file_is_private_and_its_credentials_work(demo: Demo) -> None:
    assert stat.S_IMODE(demo.credentials_file.stat().st_mode) == 0o600
    credentials = demo.credentials()
    assert {"admin", "secretariat", "fp-kaz", "system-kaz"} <= set(credentials)
    printed = [line.split() for line in demo.out.splitlines() if line.startswith("fp-kaz ")]
    assert printed == [["fp-kaz", "focal_point", "KAZ", credentials["fp-kaz"][0]]]
    assert all(len(line) < 80 for line in demo.out.splitlines())
    assert all(_me(demo, token) == 200 for _, token in credentials.values())
    assert _signs_in(demo, "fp-kaz", credentials["fp-kaz"][0])
    assert _signs_in(demo, "secretariat", credentials["secretariat"][0])


def _inventory(demo: Demo) -> dict[str, int]:
    crossing = demo.get("/api/v1/borders/crossings", conflict="true")["items"][0]["id"]
    return {
        "signals": len(demo.get("/api/v1/signals", limit=100)["items"]),
        "events": len(demo.get("/api/v1/notifications", limit=100)["items"]),
        "submissions": len(demo.get("/api/v1/data/submissions", limit=100)["items"]),
        "status reports": len(demo.get(f"/api/v1/borders/crossings/{crossing}/history")["items"]),
        "lanes": len(demo.get("/api/v1/borders/lanes")["items"]),
        "requests": len(demo.get("/api/v1/assistance/requests")["items"]),
        "consultations": len(demo.get("/api/v1/consultations")["items"]),
        "reports": len(demo.get("/api/v1/reports")["items"]),
    }


def test_loading_again_adds_nothing_and_keeps_credentials_until_reset(demo: Demo) -> None:
    before, credentials = _inventory(demo), demo.credentials()
    demo.credentials_file.chmod(0o644)  # as an older version left it: rewritten private
    again = demo.invoke("demo", "load").stdout
    assert "already played" in again and "unchanged" in again
    assert _inventory(demo) == before
    assert demo.credentials() == credentials
    assert stat.S_IMODE(demo.credentials_file.stat().st_mode) == 0o600

    demo.invoke("demo", "load", "--reset")
    fresh = demo.credentials()
    assert fresh.keys() == credentials.keys()
    assert all(fresh[n][0] != credentials[n][0] for n in fresh)
    assert all(fresh[n][1] != credentials[n][1] for n in fresh)
    assert _me(demo, credentials["fp-kaz"][1]) == 401  # the old token is revoked
    assert _me(demo, fresh["fp-kaz"][1]) == 200
    assert not _signs_in(demo, "fp-kaz", credentials["fp-kaz"][0])
    assert _signs_in(demo, "fp-kaz", fresh["fp-kaz"][0])
    assert _inventory(demo) == before
