"""Every text a client can store is publishable: the Atom feeds and the CAP export never fail.

A property test over the whole of Unicode (every general category, lone surrogates, C0 and C1
controls, noncharacters, private use, unassigned, line/paragraph separators, combining marks,
right-to-left text): each generated text goes into one text field of an event (and of a border
crossing and an assistance request), over real HTTP. The answer is either a 422 naming that
field, or the text was stored and then every Atom feed parses and the event's CAP alert is
valid against the OASIS schema. Never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from epibridge.notifications import cap as caplib
from epibridge.text import first_disallowed
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body

#: Any code point at all, surrogates included (hypothesis leaves out category Cs by default).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
#: Characters that are valid but often mishandled, drawn more often than chance would.
TRICKY = st.sampled_from(
    [
        "\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udfff",
        "\ufffe", "\uffff", "\u2028", "\u2029", "\u202e", "\u200f", "\ufeff", "\u0301",
        "\ue000", "\U0010fffd", "\U000e0001", "\u0378", "\t", "\n", "\r", "&", "<", ">", "]",
        "\u05d0", "\u0627", "\U0001f600",
    ]
)  # fmt: skip
TEXTS = st.text(alphabet=st.one_of(ANY_CHAR, TRICKY), min_size=1, max_size=12).map(
    lambda s: "Synthetic test " + s
)
EVENT_FIELDS = ["title", "description", "measures", "event_type", "translations.ru.title"]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def client(live_url: str, sessions: sessionmaker[Session]) -> Iterator[httpx.Client]:
    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with httpx.Client(base_url=live_url, headers=bearer(token), timeout=30) as http:
        http.headers["X-Sec"] = make_user(sessions, "sec", "secretariat")
        http.headers["X-Admin"] = make_user(sessions, "admin", "admin")
        yield http


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    # json.dumps escapes a lone surrogate as \udXXX: what a hostile client sends.
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def _set(body: dict[str, Any], dotted: str, value: str) -> dict[str, Any]:
    target = body
    *parents, last = dotted.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value
    return body


def _assert_refused_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert field in fields, (field, fields)


def _assert_published(client: httpx.Client, event_id: int) -> None:
    sec = {"Authorization": f"Bearer {client.headers['X-Sec']}"}
    for audience in ("public", "partners", "members"):
        feed = client.get(f"/api/v1/feeds/{audience}.atom", headers=sec)
        assert feed.status_code == 200, (audience, feed.text)
        root = etree.fromstring(feed.content)
        assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    alert = client.get(f"/api/v1/notifications/{event_id}/cap")
    assert alert.status_code == 200, alert.text
    caplib.validate(alert.content)


@pytest.mark.parametrize("field", EVENT_FIELDS)
def test_any_text_in_an_event_is_refused_or_published(client: httpx.Client, field: str) -> None:
    @SETTINGS
    @given(text=TEXTS)
    def check(text: str) -> None:
        body = _set(event_body(visibility="public"), field, text)
        created = _post(client, "/api/v1/notifications", body)
        assert created.status_code in (201, 422), created.text
        if first_disallowed(text) is not None:
            _assert_refused_naming(created, field)
            return
        if created.status_code == 422:  # refused for another reason (e.g. too long)
            _assert_refused_naming(created, field)
            return
        _assert_published(client, created.json()["id"])

    check()


@pytest.mark.parametrize("field", ["delivery_point", "note", "lines[0].note"])
def test_any_text_in_an_assistance_request(client: httpx.Client, field: str) -> None:
    needed_by = (date.today() + timedelta(days=10)).isoformat()

    @SETTINGS
    @given(text=TEXTS)
    def check(text: str) -> None:
        body: dict[str, Any] = {
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": "Almaty",
            "needed_by": needed_by,
            "lines": [{"item": "test-pcr", "quantity": 10, "unit": "test"}],
        }
        if field.startswith("lines"):
            body["lines"][0]["note"] = text
        else:
            body[field] = text
        created = _post(client, "/api/v1/assistance/requests", body)
        assert created.status_code in (201, 422), created.text
        if first_disallowed(text) is not None or created.status_code == 422:
            _assert_refused_naming(created, field.replace("[0]", ".0"))
            return
        shown = client.get(f"/api/v1/assistance/requests/{created.json()['id']}")
        assert shown.status_code == 200, shown.text
        assert client.get("/api/v1/assistance/board").status_code == 200

    check()


def test_any_text_in_a_border_crossing(client: httpx.Client) -> None:
    admin = {"Authorization": f"Bearer {client.headers['X-Admin']}"}
    codes = iter(range(10**6))

    @SETTINGS
    @given(text=TEXTS, field=st.sampled_from(["name", "name_a", "note", "opening_hours"]))
    def check(text: str, field: str) -> None:
        body = {
            "code": f"SYNTHETIC-{next(codes)}",
            "name": "Synthetic test crossing",
            "kind": "road",
            "state_a": "KAZ",
            "name_a": "A",
            "state_b": "CHN",
            "name_b": "B",
            "latitude": 44.0,
            "longitude": 80.0,
            "source": "synthetic test data",
            field: text,
        }
        created = client.post(
            "/api/v1/borders/crossings",
            content=json.dumps(body),
            headers={**admin, "Content-Type": "application/json"},
        )
        assert created.status_code in (201, 422), created.text
        if first_disallowed(text) is not None or created.status_code == 422:
            _assert_refused_naming(created, field)
            return
        geo = client.get("/api/v1/borders/crossings.geojson")
        assert geo.status_code == 200, geo.text

    check()
