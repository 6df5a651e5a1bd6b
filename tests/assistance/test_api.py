"""Assistance routes over real HTTP: the contract, bad input, who may confirm, the board."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance.models import AssistanceRequest
from epibridge.db import read_session
from tests.helpers import bearer, make_user

NEEDED_BY = (date.today() + timedelta(days=14)).isoformat()
REQUEST = {
    "state": "TJK",
    "urgency": "immediate",
    "delivery_point": "Dushanbe, Republican Clinical Hospital",
    "needed_by": NEEDED_BY,
    "lines": [
        {"item": "test-pcr", "quantity": 20000, "unit": "test"},
        {"item": "team-rapid-response", "quantity": 1, "unit": "team"},
    ],
}


def _count(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(AssistanceRequest)).scalar_one()


def test_requests_offers_commitments_contract(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    tjk = make_user(sessions, "fp-tjk", "focal_point", "TJK")
    rus = make_user(sessions, "fp-rus", "focal_point", "RUS")
    kaz = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    observer = make_user(sessions, "obs-mng", "observer", "MNG")
    base = f"{live_url}/api/v1/assistance"

    catalogue = httpx.get(f"{base}/catalogue").json()
    assert {"code": "test-pcr", "unit": "test"}.items() <= next(
        i for i in catalogue if i["code"] == "test-pcr"
    ).items()

    # Bad input: wrong unit, negative quantity (naming the line), another state's request.
    wrong_unit = {**REQUEST, "lines": [{"item": "test-pcr", "quantity": 10, "unit": "kit"}]}
    response = httpx.post(f"{base}/requests", json=wrong_unit, headers=bearer(tjk))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "lines.0.unit"
    negative = {
        **REQUEST,
        "lines": [REQUEST["lines"][0], {"item": "vaccine", "quantity": -1, "unit": "dose"}],
    }
    response = httpx.post(f"{base}/requests", json=negative, headers=bearer(tjk))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == (
        "lines.1.quantity"
    )
    assert httpx.post(f"{base}/requests", json=REQUEST, headers=bearer(kaz)).status_code == 403
    assert httpx.get(f"{base}/requests").status_code == 401
    assert _count(sessions) == 0

    created = httpx.post(f"{base}/requests", json=REQUEST, headers=bearer(tjk))
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["message_kind"] == "RequestResource" and request["remaining_total"] == 20001
    pcr_line = request["lines"][0]["id"]

    offer = httpx.post(
        f"{base}/offers",
        json={
            "state": "RUS",
            "request_id": request["id"],
            "lines": [{"item": "test-pcr", "quantity": 15000, "unit": "test"}],
        },
        headers=bearer(rus),
    )
    assert offer.status_code == 201
    assert offer.json()["message_kind"] == "ResponseToRequestResource"
    offer_line = offer.json()["lines"][0]["id"]
    matches = httpx.get(f"{base}/requests/{request['id']}/matches", headers=bearer(tjk)).json()
    assert matches[0]["offer_line_id"] == offer_line and matches[0]["quantity"] == 15000

    too_much = {"request_line_id": pcr_line, "offer_line_id": offer_line, "quantity": 16000}
    response = httpx.post(f"{base}/commitments", json=too_much, headers=bearer(rus))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "quantity"
    committed = httpx.post(
        f"{base}/commitments",
        json={**too_much, "quantity": 15000},
        headers=bearer(rus),
    )
    assert committed.status_code == 201 and committed.json()["message_kind"] == "CommitResource"
    commitment = committed.json()["id"]

    # Contract: lists with remaining quantities, only what the caller may see.
    requests = httpx.get(f"{base}/requests", headers=bearer(kaz)).json()["items"]
    assert [(r["id"], r["lines"][0]["remaining"]) for r in requests] == [(request["id"], 5000)]
    offers = httpx.get(f"{base}/offers", headers=bearer(kaz)).json()["items"]
    assert offers[0]["lines"][0]["remaining"] == 0 and offers[0]["lines"][0]["committed"] == 15000
    assert httpx.get(f"{base}/requests", headers=bearer(observer)).json()["items"] == []
    assert (
        httpx.get(f"{base}/requests/{request['id']}", headers=bearer(observer)).status_code == 404
    )

    status_url = f"{base}/commitments/{commitment}/status"
    for step in ("dispatched", "delivered"):
        moved = httpx.post(status_url, json={"status": step}, headers=bearer(rus))
        assert moved.status_code == 200 and moved.json()["status"] == step
    refused = httpx.post(status_url, json={"status": "confirmed"}, headers=bearer(kaz))
    assert refused.status_code == 403
    also_refused = httpx.post(status_url, json={"status": "confirmed"}, headers=bearer(rus))
    assert also_refused.status_code == 403
    confirmed = httpx.post(status_url, json={"status": "confirmed"}, headers=bearer(tjk))
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_on"] == str(date.today())
    again = httpx.post(status_url, json={"status": "confirmed"}, headers=bearer(tjk))
    assert again.status_code == 409

    board = httpx.get(f"{base}/board", headers=bearer(kaz)).json()
    assert board["totals"]["open_needs"] == 2 and board["totals"]["active_pledges"] == 0
    assert {(n["item"], n["remaining"]) for n in board["needs"]} == {
        ("test-pcr", 5000),
        ("team-rapid-response", 1),
    }
    unsolicited = httpx.post(
        f"{base}/offers",
        json={"lines": [{"item": "team-emt1", "quantity": 1, "unit": "team"}]},
        headers=bearer(rus),
    )
    assert unsolicited.status_code == 403  # an offer without a state is the Secretariat's
    patched = httpx.patch(
        f"{base}/requests/{request['id']}", json={"urgency": "expected"}, headers=bearer(tjk)
    )
    assert patched.status_code == 200 and patched.json()["urgency"] == "expected"
    cancelled = httpx.post(f"{base}/requests/{request['id']}/cancel", headers=bearer(tjk))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
