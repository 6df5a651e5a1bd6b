"""Inputs that answered 500 answer 4xx, and a refused request leaves the connection usable.

Every case runs over real HTTP on SQLite and on PostgreSQL: ids past the columns' range in
paths, queries and bodies; NaN, infinities and 1e400 in JSON; values the 422 renderer must echo
without failing (lone surrogates, huge integers); NUL and control characters in path and query
parameters; dates before 1900; a CAP alert whose area lies in another state than its sender's.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from epibridge.app import create_app
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body
from tests.support.postgres import free_port

PAST_INT32 = "2147483648"  # one past PostgreSQL's integer: was a 500 there
PAST_INT64 = "9223372036854775808"  # one past SQLite's INTEGER (and bigint): a 500 on both
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(live_url: str, sessions: sessionmaker[Session]) -> Iterator[httpx.Client]:
    token = make_user(sessions, "sec", "secretariat")
    with httpx.Client(base_url=live_url, headers=bearer(token), timeout=30) as http:
        http.headers["X-Kaz"] = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
        yield http


def _kaz(client: httpx.Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.headers['X-Kaz']}", **JSON}


def _fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


def test_ids_past_the_columns_range_are_404_or_422_on_every_id_route(
    client: httpx.Client,
) -> None:
    spec = client.get("/openapi.json").json()
    tried = 0
    for path, operations in spec["paths"].items():
        ids = re.findall(r"{(\w+_id)}", path)
        if not ids:
            continue
        for method in operations:
            for value in (PAST_INT32, PAST_INT64):
                url = path
                for name in ids:
                    url = url.replace("{" + name + "}", value)
                body = b"{}" if method in ("post", "put", "patch") else None
                answer = client.request(method.upper(), url, content=body, headers=JSON)
                assert answer.status_code in (404, 422), (method, url, answer.text)
                tried += 1
    assert tried > 100
    for url in (
        f"/api/v1/deliveries?subscription_id={PAST_INT64}",
        f"/api/v1/assistance/requests?event_id={PAST_INT32}",
        f"/web/notifications?after={PAST_INT64}",
    ):
        assert client.get(url).status_code in (404, 422), url


def test_ids_past_the_range_in_bodies_are_refused(client: httpx.Client) -> None:
    body = {
        "state": "KAZ",
        "urgency": "immediate",
        "delivery_point": "Almaty",
        "needed_by": "2030-01-01",
        "lines": [{"item": "test-pcr", "quantity": 10, "unit": "test"}],
    }
    for value in (int(PAST_INT32), int(PAST_INT64), 10**30):
        answer = client.post(
            "/api/v1/assistance/requests", json={**body, "event_id": value}, headers=_kaz(client)
        )
        assert answer.status_code in (404, 422), answer.text
    for value in (int(PAST_INT32), int(PAST_INT64)):
        answer = client.post(
            "/api/v1/notifications", json=event_body(suspected_cases=value), headers=_kaz(client)
        )
        assert answer.status_code == 422 and _fields(answer) == ["suspected_cases"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["latitude", "suspected_cases"])
def test_non_finite_numbers_in_json_are_422(client: httpx.Client, number: str, field: str) -> None:
    body = event_body()
    body.pop(field, None)
    text = json.dumps(body).replace('"title"', f'"{field}": {number}, "title"', 1)
    answer = client.post("/api/v1/notifications", content=text, headers=_kaz(client))
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [field]
    crossing = {"code": "X-1", "name": "n", "kind": "road", "state_a": "KAZ", "name_a": "a"}
    text = json.dumps(crossing)[:-1] + f', "latitude": {number}}}'
    assert client.post("/api/v1/borders/crossings", content=text, headers=JSON).status_code == 422


def test_the_422_renderer_echoes_what_cannot_be_encoded(client: httpx.Client) -> None:
    # A lone surrogate (no UTF-8 for it) as values, and a 300-digit number.
    weird = '{"title": "\\ud800", "disease": "\\udfff", "deaths": ' + "9" * 300 + "}"
    answer = client.post("/api/v1/notifications", content=weird, headers=_kaz(client))
    assert answer.status_code == 422, answer.text
    assert {"title", "disease", "deaths"} <= set(_fields(answer))
    # ... and as a key: the whole body is refused, the key echoed escaped.
    answer = client.post("/api/v1/notifications", content='{"\\ud83d": 1}', headers=_kaz(client))
    assert answer.status_code == 422, answer.text
    assert "\\ud83d" in json.dumps(answer.json())
    # JSON nested past Python's recursion, an integer past 4300 digits: malformed JSON too.
    for body in ("[" * 100_000, '{"deaths": ' + "9" * 5000 + "}"):
        answer = client.post("/api/v1/notifications", content=body, headers=_kaz(client))
        assert answer.status_code == 422 and _fields(answer) == ["body"], answer.text


def test_nul_and_control_characters_in_path_and_query_are_422_naming_them(
    client: httpx.Client,
) -> None:
    answer = client.get("/api/v1/data/series", params={"state": "KAZ", "disease": "A00\x00"})
    assert answer.status_code == 422 and _fields(answer) == ["disease"], answer.text
    answer = client.get("/api/v1/states/K%01Z")
    assert answer.status_code == 422 and _fields(answer) == ["iso3"], answer.text
    answer = client.get("/api/v1/notifications?q=%C2%85")  # C1 (NEL) in UTF-8
    assert answer.status_code == 422 and _fields(answer) == ["q"]
    assert client.get("/api/v1/notifications?q=caf%C3%A9").status_code == 200


def test_dates_before_1900_are_refused(client: httpx.Client) -> None:
    answer = client.post(
        "/api/v1/notifications", json=event_body(onset_date="1696-01-01"), headers=_kaz(client)
    )
    assert answer.status_code == 422 and _fields(answer) == ["onset_date"], answer.text
    assert "1900" in answer.json()["errors"][0]["message"]


def test_a_cap_alert_with_a_geocode_of_another_state_is_refused(
    client: httpx.Client, sessions: sessionmaker[Session]
) -> None:
    from tests.notifications.test_service import _alert

    system = make_user(sessions, "sys-kaz", "system", "KAZ")
    headers = {**bearer(system), "Content-Type": "application/xml"}
    own = client.post("/api/v1/notifications/cap", content=_alert(), headers=headers)
    assert own.status_code == 201, own.text
    foreign = _alert(identifier="kz-2").replace(b"KZ-75", b"KG-B")  # a Kyrgyz region
    answer = client.post("/api/v1/notifications/cap", content=foreign, headers=headers)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == ["/alert/info/area/geocode"]


def test_after_a_refusal_the_keep_alive_connection_still_serves(client: httpx.Client) -> None:
    for bad in (
        lambda: client.get(f"/api/v1/notifications/{PAST_INT64}"),
        lambda: client.post("/api/v1/notifications", content='{"title": NaN}', headers=JSON),
        lambda: client.get("/api/v1/states/%00"),
    ):
        assert 400 <= bad().status_code < 500
        assert client.get("/api/v1/states").status_code == 200


def test_an_unexpected_error_says_connection_close(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/v1/test-boom")
    def boom() -> dict[str, Any]:
        raise RuntimeError("synthetic failure")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for _ in range(100):
                try:
                    http.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            failed = http.get("/api/v1/test-boom")
            assert failed.status_code == 500
            assert failed.headers["connection"] == "close"
            assert http.get("/api/v1/health").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
