"""A form field holding a control character, NUL or lone surrogate gets a 422 page naming it,
in the reader's language, and nothing is written (both backends)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "cannot be published"), ("ru", "нельзя опубликовать"), ("zh", "无法发布")],
)
def test_a_control_character_in_a_form_field_is_refused_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session], lang: str, expected: str
) -> None:
    make_user(sessions, "secretariat", "secretariat", password=PASSWORD)
    client = _sign_in(live_url, "secretariat")
    form = client.get("/notifications/new", params={"lang": lang})
    for title in ("Synthetic\x01 test", "Synthetic\x00 test", "Synthetic\x85 test"):
        refused = client.post(
            "/notifications/new",
            data={
                "csrf_token": _csrf(form.text),
                "state": "KAZ",
                "title": title,
                "disease": "A00",
                "onset_date": "2026-11-10",
            },
        )
        assert refused.status_code == 422, refused.text
        assert expected in refused.text
        assert "<strong>title</strong>" in refused.text
    listed = client.get("/api/v1/notifications", headers={"X-CSRF-Token": _csrf(form.text)})
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert httpx.get(f"{live_url}/api/v1/feeds/public.atom").status_code == 200


def test_a_nul_in_the_sign_in_name_is_a_page_naming_the_field(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "secretariat", "secretariat", password=PASSWORD)
    with httpx.Client(base_url=live_url) as client:
        page = client.get("/login", params={"lang": "ru"})
        refused = client.post(
            "/login",
            data={"csrf_token": _csrf(page.text), "name": "secre\x00tariat", "password": PASSWORD},
        )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert "нельзя опубликовать" in refused.text and "<strong>name</strong>" in refused.text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "cannot be published"), ("ru", "нельзя опубликовать"), ("zh", "无法发布")],
)
def test_a_control_character_in_a_page_address_is_a_page_in_the_readers_language(
    live_url: str, lang: str, expected: str
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": lang}
    refused = httpx.get(f"{live_url}/notifications", params={"q": "a\x00b"}, headers=browser)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert f"<html lang='{lang}'>" in refused.text and expected in refused.text
    assert "<strong>q</strong>" in refused.text
    # An API client asking the same gets the problem document naming the parameter.
    api = httpx.get(f"{live_url}/api/v1/notifications", params={"q": "a\x00b"})
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "q"
