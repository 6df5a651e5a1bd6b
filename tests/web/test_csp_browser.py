"""The main pages run in Chromium under the Content-Security-Policy without one violation,
and the policy really blocks an inline script (so "no violation" is not a deaf listener)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import make_user
from tests.web.browsing import PASSWORD, watch_csp

pytestmark = pytest.mark.browser

PAGES = (
    "/",
    "/states",
    "/notifications",
    "/notifications/new",
    "/data/curve?state=KAZ&state=RUS&disease=A00&metric=cases&classification=confirmed",
    "/data/import",
    "/borders",
    "/borders/lanes",
    "/assistance",
    "/consultations",
    "/reports",
)


def test_main_pages_break_no_content_security_policy(
    site: tuple[str, sessionmaker[Session]], browser: Browser
) -> None:
    base, sessions = site
    make_user(sessions, "secretariat", "secretariat", password=PASSWORD)
    context = browser.new_context(locale="en-GB")
    violations = watch_csp(context)
    page = context.new_page()
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("User name").fill("secretariat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .user")).to_contain_text("secretariat")
    for path in PAGES:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert "nonce-" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    # The notification form's script ran (it is allowed: same origin).
    page.goto(f"{base}/notifications/new")
    page.locator("#serious_impact-yes").check()
    expect(page.locator("#annex2-outcome")).to_have_attribute(
        "data-outcome", "insufficient_information"
    )
    assert violations == []

    # Positive control: an injected inline script is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert any("script-src" in v for v in violations), violations
    context.close()
