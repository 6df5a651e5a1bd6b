"""The preparedness routes over real HTTP: who may do what (403 naming the rule), the
determination in the event's read model and its list filter, directory entries, a
communication test launched, acknowledged by API, reported as JSON and CSV (parsed by the
standard library's csv reader)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers=bearer(token))


def test_the_routes_over_http(live_url: str, sessions: sessionmaker[Session]) -> None:
    sec = _client(live_url, make_user(sessions, "sec", "secretariat"))
    kaz = _client(live_url, make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    rus = _client(live_url, make_user(sessions, "fp-rus", "focal_point", "RUS"))
    obs = _client(live_url, make_user(sessions, "obs-mng", "observer", "MNG"))
    created = kaz.post("/api/v1/notifications", json=event_body())
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    day = (utcnow().date() - timedelta(days=1)).isoformat()
    body = {"determination": "pheic", "determined_on": day}
    route = f"/api/v1/notifications/{event_id}/who-determination"
    assert kaz.put(route, json=body).status_code == 403
    bad = sec.put(route, json={"determination": "pheic"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "determined_on"
    assert sec.put(route, json={**body, "determination": "epidemic"}).status_code == 422
    assert sec.put(route, json=body).status_code == 200
    read = rus.get(f"/api/v1/notifications/{event_id}").json()
    assert read["who_determination"]["determination"] == "pheic"
    assert read["who_determination"]["determined_on"] == day
    listed = rus.get("/api/v1/notifications", params={"who_determination": "pheic"}).json()
    assert [e["id"] for e in listed["items"]] == [event_id]
    none = rus.get("/api/v1/notifications", params={"who_determination": "none"}).json()
    assert none["items"] == []

    entry = {"focal_point_name": "NFP (synthetic)", "duty_phone": "+7 495 000 00 00"}
    assert kaz.put("/api/v1/preparedness/directory/RUS", json=entry).status_code == 403
    assert sec.put("/api/v1/preparedness/directory/RUS", json=entry).status_code == 403
    phone = rus.put("/api/v1/preparedness/directory/RUS", json={**entry, "duty_phone": "call me"})
    assert phone.status_code == 422 and phone.json()["errors"][0]["field"] == "duty_phone"
    assert rus.put("/api/v1/preparedness/directory/RUS", json=entry).status_code == 200
    confirmed = rus.post("/api/v1/preparedness/directory/RUS/confirm")
    assert confirmed.json()["confirmed_on"] == utcnow().date().isoformat()
    seen = {e["state"]: e for e in kaz.get("/api/v1/preparedness/directory").json()}
    assert seen["RUS"]["duty_phone"] == "+7 495 000 00 00" and seen["KAZ"]["confirmation_due"]
    assert obs.get("/api/v1/preparedness/directory").status_code == 403

    tests = "/api/v1/preparedness/communication-tests"
    assert kaz.post(tests, json={}).status_code == 403
    launched = sec.post(tests, json={"note": "synthetic"})
    assert launched.status_code == 201 and launched.json()["label"] == "TEST"
    test_id = launched.json()["id"]
    ack = kaz.post(f"{tests}/{test_id}/acknowledge")
    assert ack.status_code == 200 and ack.json()["answer_time"] == "within_1_hour"
    assert sec.post(f"{tests}/{test_id}/acknowledge").status_code == 403
    assert kaz.get(f"{tests}/999").status_code == 404
    report = sec.get(f"{tests}/{test_id}").json()
    assert report["counts"]["within_1_hour"] == 1
    assert report["counts"]["not_at_all"] == len(report["test"]["states"]) - 1
    answer = sec.get(f"{tests}/{test_id}/report.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert "TEST" in answer.headers["content-disposition"]
    rows = {r["state"]: r for r in csv.DictReader(io.StringIO(answer.text))}
    assert rows["KAZ"]["answer_time"] == "within_1_hour" and rows["RUS"]["acknowledged_at"] == ""
    assert all(r["label"] == "TEST" for r in rows.values())
    page = kaz.get(tests).json()
    assert [t["id"] for t in page["items"]] == [test_id] and page["items"][0]["answered"] == 1
    # Still no event but the one notified above.
    assert [e["id"] for e in sec.get("/api/v1/notifications").json()["items"]] == [event_id]
