"""Every list route pages one way: a malformed cursor is the same problem wherever it is sent.

The routes are listed here by hand and checked against the application's own: a new list
route (any GET whose OpenAPI operation takes ``cursor``) fails the first test until it is
added here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.app import create_app
from epibridge.borders import service as borders
from epibridge.db import read_session, write_session
from epibridge.paging import MALFORMED, encode_cursor
from epibridge.settings import Settings
from tests.helpers import OPERATOR, bearer, make_user

LIST_ROUTES = [
    "/api/v1/assistance/commitments",
    "/api/v1/assistance/offers",
    "/api/v1/assistance/requests",
    "/api/v1/audit",
    "/api/v1/borders/crossings",
    "/api/v1/borders/crossings.geojson",
    "/api/v1/borders/crossings/{crossing_id}/history",
    "/api/v1/borders/lanes",
    "/api/v1/consultations",
    "/api/v1/data/submissions",
    "/api/v1/deliveries",
    "/api/v1/deliveries/dead",
    "/api/v1/notifications",
    "/api/v1/preparedness/communication-tests",
    "/api/v1/reports",
    "/api/v1/search",
    "/api/v1/signals",
    "/api/v1/subscriptions",
]

#: What a list route needs besides its paging parameters.
REQUIRED = {"/api/v1/search": {"q": "cholera"}}

MALFORMED_CURSORS = [
    "!!!not-base64",
    "bm90LWEtY3Vyc29y",  # base64 of "not-a-cursor"
    encode_cursor({"after": 3}),  # the shape two modules used to issue
    encode_cursor({"id": "3"}),
    encode_cursor({"id": 3, "key": "x"}),
]


def test_the_list_is_every_list_route(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="test-secret")
    paths = create_app(settings).openapi()["paths"]
    found = sorted(
        path
        for path, operations in paths.items()
        if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    )
    assert found == sorted(LIST_ROUTES)


@pytest.fixture
def client(live_url: str, sessions: sessionmaker[Session]) -> Iterator[httpx.Client]:
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
    with read_session(sessions) as session:
        crossing = borders.list_crossings(session, limit=1).items[0].id
    token = make_user(sessions, "sec", "secretariat")
    with httpx.Client(base_url=live_url, headers=bearer(token), timeout=30) as http:
        http.headers["X-Crossing"] = str(crossing)
        yield http


def _url(client: httpx.Client, path: str) -> str:
    return path.replace("{crossing_id}", client.headers["X-Crossing"])


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_every_list_route_refuses_a_malformed_cursor_alike(client: httpx.Client, path: str) -> None:
    url, required = _url(client, path), REQUIRED.get(path, {})
    assert client.get(url, params={"limit": 1, **required}).status_code == 200
    for cursor in MALFORMED_CURSORS:
        answer = client.get(url, params={"cursor": cursor, "limit": 1, **required})
        assert answer.status_code == 422, (cursor, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert {k: v for k, v in problem.items() if k != "instance"} == {
            "type": "https://epibridge.example/problems/invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": MALFORMED,
            "errors": [{"field": "cursor", "message": "malformed", "value": cursor}],
        }, cursor


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_every_list_route_bounds_its_limit_alike(client: httpx.Client, path: str) -> None:
    url = _url(client, path)
    for limit in (0, 100000):
        answer = client.get(url, params={"limit": limit, **REQUIRED.get(path, {})})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["limit"]
