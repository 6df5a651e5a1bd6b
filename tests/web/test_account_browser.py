"""A focal point manages its own subscriptions in Chromium: a webhook to an address the
operator opened (its signing secret shown once), an e-mail subscription, one deleted; each
checked in the database. Screenshots of the page in the three languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from epibridge.db import read_session
from epibridge.notifications.outbox.models import Subscription
from epibridge.settings import Settings
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

HOOK = "http://127.0.0.1:9/ihr-receiver"


@pytest.fixture
def site_settings(site_settings: Settings) -> Settings:
    """This site lets webhooks reach the local machine (as a closed network would be opened)."""
    return site_settings.model_copy(update={"webhook_allow_networks": "127.0.0.0/8"})


def _subscriptions(web: Site) -> list[tuple[str, str, str | None, bool]]:
    with read_session(web.sessions) as session:
        rows = session.execute(select(Subscription).order_by(Subscription.id)).scalars()
        return [(s.owner_name, s.kind, s.url or s.email, s.deleted_at is None) for s in rows]


def test_a_focal_point_adds_and_deletes_subscriptions(web: Site) -> None:
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz")
    page.locator("header a.user").click()
    page.get_by_role("link", name="Subscriptions and feeds").click()
    expect(page.get_by_text("You have no subscription yet.")).to_be_visible()

    webhook = page.locator("form[aria-labelledby=h-webhook]")
    webhook.get_by_label("Webhook URL").fill(HOOK)
    webhook.get_by_label("Event notifications").check()
    webhook.get_by_label("Only about these states").select_option(["KAZ", "KGZ"])
    webhook.get_by_role("button", name="Add the webhook").click()
    secret = page.locator("#webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    expect(page.locator("tbody tr")).to_have_count(1)

    email = page.locator("form[aria-labelledby=h-email]")
    email.get_by_label("E-mail address").fill("ihr-duty@kaz.example")
    email.get_by_label("Language of messages").select_option("ru")
    email.get_by_role("button", name="Add the e-mail subscription").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#webhook-secret")).to_have_count(0)  # shown once, with its webhook
    with read_session(web.sessions) as session:
        hook = session.execute(
            select(Subscription).where(Subscription.kind == "webhook")
        ).scalar_one()
        assert (hook.url, hook.secret, hook.topics, hook.states) == (
            HOOK,
            secret,
            ["notification."],
            ["KAZ", "KGZ"],
        )
    assert _subscriptions(web) == [
        ("fp-kaz", "webhook", HOOK, True),
        ("fp-kaz", "email", "ihr-duty@kaz.example", True),
    ]
    # A refused address is named and the page keeps what was typed.
    webhook = page.locator("form[aria-labelledby=h-webhook]")
    webhook.get_by_label("Webhook URL").fill("http://10.0.0.5/hook")
    webhook.get_by_role("button", name="Add the webhook").click()
    expect(page.get_by_role("alert")).to_contain_text("url")
    expect(
        page.locator("form[aria-labelledby=h-webhook]").get_by_label("Webhook URL")
    ).to_have_value("http://10.0.0.5/hook")
    web.go(page, "/account/subscriptions")
    for lang in ("ru", "zh"):
        web.go(page, f"/account/subscriptions?lang={lang}")
        web.shoot(page, "account-subscriptions")
    web.go(page, "/account/subscriptions?lang=en")
    web.shoot(page, "account-subscriptions")

    page.get_by_role("button", name=f"Delete {HOOK}").click()
    expect(page.get_by_role("status")).to_contain_text("The subscription was deleted")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).not_to_contain_text(HOOK)
    assert _subscriptions(web) == [
        ("fp-kaz", "webhook", HOOK, False),
        ("fp-kaz", "email", "ihr-duty@kaz.example", True),
    ]
    # The members' feed opens in this browser (signed in).
    feed = page.get_by_role("link", name="Members and the Secretariat")
    expect(feed).to_have_attribute("href", "/api/v1/feeds/members.atom")
    response = page.request.get(web.base + "/api/v1/feeds/members.atom")
    assert response.status == 200 and "<feed" in response.text()
