"""The timeliness routes over real HTTP: the contract of issue 17, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.timeliness.statuses import EarlyAction
from tests.helpers import bearer, make_user
from tests.timeliness.factory import make_event

URL = "/api/v1/timeliness"


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {
        "kaz": make_user(sessions, "fp-kaz", "focal_point", "KAZ"),
        "rus": make_user(sessions, "fp-rus", "focal_point", "RUS"),
        "sec": make_user(sessions, "sec", "secretariat"),
        "obs": make_user(sessions, "obs-mng", "observer", "MNG"),
    }


def _is_day_count(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def test_event_contract_and_recording(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    event_id = make_event(sessions)
    got = httpx.get(f"{live_url}{URL}/events/{event_id}", headers=bearer(tokens["rus"]))
    assert got.status_code == 200, got.text
    body = got.json()
    for key in ("detect_days", "notify_days", "respond_days"):
        assert _is_day_count(body[key]), key
    assert set(body["targets_met"]) == {"detect", "notify", "respond"}
    assert all(v is None or isinstance(v, bool) for v in body["targets_met"].values())
    assert (body["detect_days"], body["notify_days"], body["respond_days"]) == (4, 1, None)
    assert body["targets_met"] == {"detect": True, "notify": True, "respond": None}

    for number, action in enumerate(EarlyAction):
        done = httpx.put(
            f"{live_url}{URL}/events/{event_id}/actions/{action}",
            json={"outcome": "completed", "completed_on": date(2026, 3, 7 + number).isoformat()},
            headers=bearer(tokens["kaz"]),
        )
        assert done.status_code == 200, done.text
    assert done.json()["respond_days"] == 7 and done.json()["targets_met"]["respond"] is True

    moved = httpx.put(
        f"{live_url}{URL}/events/{event_id}/milestones",
        json={"emergence_date": "2026-02-25", "emergence_source": "Synthetic: line list"},
        headers=bearer(tokens["sec"]),
    )
    assert moved.status_code == 200 and moved.json()["detect_days"] == 8
    assert moved.json()["targets_met"]["detect"] is False

    factor = httpx.post(
        f"{live_url}{URL}/events/{event_id}/factors",
        json={
            "kind": "bottleneck",
            "stage": "detect",
            "category": "health_seeking",
            "description": "Synthetic: patients came late",
        },
        headers=bearer(tokens["kaz"]),
    )
    assert factor.status_code == 201 and factor.json()["factors"][0]["category"] == "health_seeking"


def test_refusals_are_problems_naming_the_field(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    event_id = make_event(sessions)
    refused = httpx.put(
        f"{live_url}{URL}/events/{event_id}/actions/investigation",
        json={"outcome": "not_needed"},
        headers=bearer(tokens["rus"]),
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    hidden = httpx.get(f"{live_url}{URL}/events/{event_id}", headers=bearer(tokens["obs"]))
    assert hidden.status_code == 404
    invalid = httpx.put(
        f"{live_url}{URL}/events/{event_id}/actions/investigation",
        json={"outcome": "completed"},
        headers={**bearer(tokens["kaz"]), "Accept-Language": "ru"},
    )
    assert invalid.status_code == 422
    errors = invalid.json()["errors"]
    assert errors[0]["field"] == "completed_on" and "дата" in errors[0]["message"]
    unknown = httpx.put(
        f"{live_url}{URL}/events/{event_id}/actions/pray",
        json={"outcome": "not_needed"},
        headers=bearer(tokens["kaz"]),
    )
    assert unknown.status_code == 422
    bad_day = httpx.get(
        f"{live_url}{URL}/scorecard", params={"from": "2026-13-01"}, headers=bearer(tokens["kaz"])
    )
    assert bad_day.status_code == 422


def test_scorecard_contract_and_csv(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    make_event(sessions)
    make_event(sessions, detection=date(2026, 3, 2))  # notified 4 days after detection
    got = httpx.get(
        f"{live_url}{URL}/scorecard",
        params={"state": "KAZ", "from": "2026-03-01", "to": "2026-03-31"},
        headers=bearer(tokens["sec"]),
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["events"] == 2 and body["state"] == "KAZ"
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert (body["detect"], body["notify"], body["respond"], body["all"]) == (1.0, 0.5, None, 0.0)
    assert set(body["verification"]) >= {"requests", "share_within_24h", "median_hours"}
    exported = httpx.get(
        f"{live_url}{URL}/scorecard.csv", params={"period": "year"}, headers=bearer(tokens["sec"])
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["period"], r["state"], r["events"]) for r in rows] == [
        ("2026", "region", "2"),
        ("2026", "KAZ", "2"),
    ]
    periods = httpx.get(
        f"{live_url}{URL}/scorecard/periods",
        params={"period": "month"},
        headers=bearer(tokens["sec"]),
    )
    assert periods.status_code == 422 and periods.json()["errors"][0]["field"] == "period"
