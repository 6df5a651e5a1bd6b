"""Border routes over real HTTP: the contract, reports by side, bad input, lanes."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.borders import service
from epibridge.borders.models import StatusReport
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.db import read_session, write_session
from tests.helpers import bearer, make_user

REPORT = {
    "side": "KAZ",
    "direction": "outbound",
    "traffic": "freight",
    "status": "open",
    "capacity_share": 0.7,
    "wait_minutes": 25,
    "measures_c8": 1,
    "measures_text": "temperature screening of drivers",
    "effective_from": "2026-03-01T00:00:00Z",
}


def _reports(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(StatusReport)).scalar_one()


def test_crossings_contract_status_history_and_conflict(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    with write_session(sessions) as session:
        service.load_registry(session, actor=REGISTRY_ACTOR)
    kaz = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    chn = make_user(sessions, "fp-chn", "focal_point", "CHN")
    base = f"{live_url}/api/v1/borders"

    listed = httpx.get(f"{base}/crossings", params={"limit": 100})
    assert listed.status_code == 200
    crossings = listed.json()["items"]
    assert len(crossings) >= 20
    for c in crossings:
        assert c["name"] and len(c["states"]) == 2 and all(len(s) == 3 for s in c["states"])
        assert c["kind"] in {"road", "rail", "river", "air", "sea"}
        assert {"latitude", "longitude"} <= set(c["coordinates"])
        assert [s["state"] for s in c["sides"]] == c["states"]
        assert all(s["status"] == "unknown" for s in c["sides"])
    khorgos = next(c for c in crossings if c["code"] == "KAZ-CHN-khorgos-road")
    url = f"{base}/crossings/{khorgos['id']}"

    created = httpx.post(f"{url}/status", json=REPORT, headers=bearer(kaz))
    assert created.status_code == 201, created.text
    assert created.json()["colour"] == "green" and created.json()["on_behalf"] is False
    closed = {
        **REPORT,
        "side": "CHN",
        "direction": "inbound",
        "status": "closed",
        "measures_c8": 4,
        "capacity_share": 0,
        "wait_minutes": None,
    }
    assert httpx.post(f"{url}/status", json=closed, headers=bearer(chn)).status_code == 201

    # Another state's side, an overlapping period, a contradiction: refused, nothing written.
    foreign = httpx.post(f"{url}/status", json={**REPORT, "side": "CHN"}, headers=bearer(kaz))
    assert foreign.status_code == 403
    overlap = httpx.post(
        f"{url}/status", json={**REPORT, "status": "restricted"}, headers=bearer(kaz)
    )
    assert overlap.status_code == 409
    assert overlap.headers["content-type"] == "application/problem+json"
    assert overlap.json()["errors"][0]["field"] == "effective_from"
    contradiction = httpx.post(
        f"{url}/status",
        json={**REPORT, "direction": "inbound", "measures_c8": 4},
        headers=bearer(kaz),
    )
    assert contradiction.status_code == 422
    assert contradiction.json()["errors"][0]["field"] == "measures_c8"
    naive = httpx.post(
        f"{url}/status",
        json={**REPORT, "effective_from": "2026-03-01T00:00:00"},
        headers=bearer(kaz),
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "effective_from"
    assert httpx.post(f"{url}/status", json=REPORT).status_code == 401
    assert _reports(sessions) == 2

    shown = httpx.get(url, params={"at": "2026-03-02T00:00:00Z"}).json()
    assert shown["conflict"] is True and shown["colour"] == "purple"
    assert [s["status"] for s in shown["sides"]] == ["open", "closed"]
    conflicts = httpx.get(
        f"{base}/crossings", params={"conflict": "true", "at": "2026-03-02T00:00:00Z"}
    ).json()["items"]
    assert [c["id"] for c in conflicts] == [khorgos["id"]]
    geo = httpx.get(f"{base}/crossings.geojson", params={"state": "CHN", "kind": "road"}).json()
    assert geo["type"] == "FeatureCollection" and geo["features"]
    assert geo["features"][0]["geometry"]["type"] == "Point"

    history = httpx.get(f"{url}/history")
    assert history.status_code == 200
    assert [h["side"] for h in history.json()["items"]] == ["CHN", "KAZ"]
    first = httpx.get(f"{url}/history", params={"limit": 1}).json()
    second = httpx.get(f"{url}/history", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert first["items"][0]["id"] != second["items"][0]["id"] and second["next_cursor"] is None
    assert httpx.get(f"{base}/crossings/99999/history").status_code == 404
    assert httpx.get(f"{base}/crossings", params={"cursor": "%%%"}).status_code == 422


def test_registry_writes_and_lanes(live_url: str, sessions: sessionmaker[Session]) -> None:
    admin = make_user(sessions, "admin", "admin")
    kaz = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    rus = make_user(sessions, "fp-rus", "focal_point", "RUS")
    base = f"{live_url}/api/v1/borders"
    crossing = {
        "code": "SYNTHETIC-KAZ-CHN",
        "name": "Synthetic test crossing",
        "kind": "road",
        "state_a": "KAZ",
        "name_a": "A",
        "state_b": "CHN",
        "name_b": "B",
        "latitude": 44.0,
        "longitude": 80.0,
        "source": "synthetic test data",
    }
    assert httpx.post(f"{base}/crossings", json=crossing, headers=bearer(kaz)).status_code == 403
    no_border = httpx.post(
        f"{base}/crossings", json={**crossing, "state_b": "IND"}, headers=bearer(admin)
    )
    assert no_border.status_code == 422 and no_border.json()["errors"][0]["field"] == "state_b"
    created = httpx.post(f"{base}/crossings", json=crossing, headers=bearer(admin))
    assert created.status_code == 201
    crossing_id = created.json()["id"]
    assert created.json()["capacity"]["trucks_per_day"] is None
    capacity = {"capacity": {"trucks_per_day": 300, "note": "synthetic figure"}}
    url = f"{base}/crossings/{crossing_id}"
    assert httpx.patch(url, json=capacity, headers=bearer(kaz)).status_code == 403
    patched = httpx.patch(url, json=capacity, headers=bearer(admin))
    assert patched.status_code == 200 and patched.json()["capacity"]["trucks_per_day"] == 300
    emptied = httpx.patch(url, json={"name": None}, headers=bearer(admin))
    assert emptied.status_code == 422 and emptied.json()["errors"][0]["field"] == "name"

    lane = {
        "kind": "green",
        "name": "Synthetic green lane",
        "states": ["KAZ", "CHN"],
        "crossing_ids": [crossing_id],
        "documents_accepted": ["e-CMR"],
        "valid_from": "2026-01-01",
    }
    assert httpx.post(f"{base}/lanes", json=lane, headers=bearer(rus)).status_code == 403
    bad = httpx.post(f"{base}/lanes", json={**lane, "crossing_ids": [999]}, headers=bearer(kaz))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "crossing_ids.0"
    made = httpx.post(f"{base}/lanes", json=lane, headers=bearer(kaz))
    assert made.status_code == 201 and made.json()["target_minutes"] == 15
    lane_id = made.json()["id"]
    assert made.json()["traffic"] == "freight"
    patched = httpx.patch(
        f"{base}/lanes/{lane_id}", json={"hours": "08:00-20:00"}, headers=bearer(kaz)
    )
    assert patched.status_code == 200 and patched.json()["hours"] == "08:00-20:00"
    assert httpx.get(f"{base}/lanes", params={"state": "KAZ"}).json()["items"][0]["id"] == lane_id
    shown = httpx.get(f"{base}/crossings/{crossing_id}").json()
    assert shown["lanes"][0]["lane_id"] == lane_id and shown["lanes"][0]["meets_target"] is None
    assert httpx.delete(f"{base}/lanes/{lane_id}", headers=bearer(rus)).status_code == 403
    assert httpx.delete(f"{base}/lanes/{lane_id}", headers=bearer(kaz)).status_code == 204
    assert httpx.get(f"{base}/lanes/{lane_id}").status_code == 404
    pairs = httpx.get(f"{base}/land-borders").json()
    assert ["KAZ", "CHN"] not in pairs["pairs"] and ["CHN", "KAZ"] in pairs["pairs"]
