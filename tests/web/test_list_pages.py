"""The web pages that page a list use the services' cursors: the "older" link walks the whole
list, and a cursor the list did not issue is the same 422 as on the API (over real HTTP)."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.borders import service as borders
from epibridge.db import read_session, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.paging import MALFORMED, encode_cursor
from tests.helpers import OPERATOR, make_user
from tests.notifications.factory import FP_KAZ, event_body
from tests.web.test_pages import PASSWORD, _sign_in

#: /notifications shows 25 events a page.
EVENTS = 27


@pytest.fixture
def signed_in(live_url: str, sessions: sessionmaker[Session]) -> httpx.Client:
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
        for n in range(EVENTS):
            body = event_body(title=f"Synthetic test event {n:02d}")
            notifications.create(
                session, actor=FP_KAZ, data=NotificationCreate.model_validate(body)
            )
    return _sign_in(live_url, "sec")


def _crossing(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return borders.list_crossings(session, limit=1).items[0].id


def test_the_older_link_walks_every_notification(signed_in: httpx.Client) -> None:
    url: str | None = "/notifications?state=KAZ"
    titles: list[str] = []
    while url:
        page = signed_in.get(url)
        assert page.status_code == 200, page.text
        titles += re.findall(r"Synthetic test event \d\d", page.text)
        older = re.search(r'<a href="([^"]+)">[^<]*Older notifications', page.text)
        url = unescape(older.group(1)) if older else None
        assert url is None or "state=KAZ" in url  # the filters travel with the cursor
    assert titles == [f"Synthetic test event {n:02d}" for n in reversed(range(EVENTS))]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/notifications", "after"),
        ("/borders/crossings/{crossing_id}", "before"),
        ("/consultations", "cursor"),
        ("/reports", "cursor"),
    ],
)
@pytest.mark.parametrize("cursor", ["!!!not-base64", encode_cursor({"after": 3}), "123"])
def test_a_malformed_cursor_is_the_one_error(
    signed_in: httpx.Client, sessions: sessionmaker[Session], path: str, name: str, cursor: str
) -> None:
    url = path.replace("{crossing_id}", str(_crossing(sessions)))
    assert signed_in.get(url).status_code == 200
    page = signed_in.get(url, params={name: cursor})
    assert page.status_code == 422, page.text
    assert MALFORMED in page.text and "<strong>cursor</strong>" in page.text
