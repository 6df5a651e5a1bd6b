"""A focal point searches in Chromium: a word of an event's title finds the event, and the
consultation on it; another state's draft is not found; each hit opens its own page (the
event, the consultation, the signal, the assistance request)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.search.seed import build
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_a_focal_point_finds_an_event_and_a_consultation(web: Site) -> None:
    world = build(web.sessions)
    web.user("fp-rus", "focal_point", "RUS")
    page = web.sign_in("fp-rus")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Words of a title").fill("cholera")
    page.get_by_role("button", name="Search").click()
    hits = page.locator("ol.hits li")
    expect(hits.filter(has_text="Synthetic test: cholera cluster in Almaty")).to_have_count(1)
    expect(hits.filter(has_text="Synthetic cholera response coordination")).to_have_count(1)
    expect(hits.filter(has_text="Shymkent")).to_have_count(0)  # KAZ's draft
    expect(hits.filter(has_text="Detection signal")).to_have_count(1)
    web.shoot(page, "search-results")

    page.get_by_label("Words of a title").fill("Almaty")
    page.get_by_label("Only").select_option("event")
    page.get_by_role("button", name="Search").click()
    expect(hits).to_have_count(1)
    hits.first.get_by_role("link").click()
    assert page.url.endswith(f"/notifications/{world.notified}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cholera cluster in Almaty")

    page.goto(f"{web.base}/search?q=coordination")
    page.get_by_role("link", name="Synthetic cholera response coordination").click()
    assert page.url.endswith(f"/consultations/{world.consultation}")

    page.goto(f"{web.base}/search?q=cholera&kind=signal")
    hits.first.get_by_role("link").click()
    page.wait_for_url("**/signals/*")
    number = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Signal #{number}: Cholera")
    page.goto(f"{web.base}/search?q=Bishkek")
    hits.first.get_by_role("link").click()
    assert page.url.endswith(f"/assistance/requests/{world.request}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Request #{world.request}")
