"""An administrator manages accounts in Chromium: creates one (its token shown once), changes
its role, issues and revokes a token, locks and unlocks it; each checked in the database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from epibridge.db import read_session
from epibridge.members import accounts
from epibridge.security import hash_token
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_an_administrator_manages_an_account(web: Site) -> None:
    web.user("admin", "admin")
    web.user("fp-rus", "focal_point", "RUS")
    page = web.sign_in("admin")
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()

    # Create a focal point of Kazakhstan; the page that answers shows its first token, once.
    form = page.locator("form[aria-labelledby=new-account]")
    form.get_by_label("Account name").fill("fp-kaz")
    form.get_by_label("Role").select_option("focal_point")
    form.get_by_label("State").select_option("KAZ")
    form.get_by_label("Full name").fill("Aigerim Nurlanovna (synthetic)")
    form.get_by_label("E-mail").fill("ihr-focal@kaz.example")
    form.get_by_label("Password").fill("kaz-password-1")
    form.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("status")).to_have_text("The account was created.")
    first = page.locator("#issued-token").inner_text()
    assert first.startswith("eb_")
    with read_session(web.sessions) as session:
        created = accounts.get_user(session, name="fp-kaz")
        assert (created.role, created.state_iso3, created.email) == (
            "focal_point",
            "KAZ",
            "ihr-focal@kaz.example",
        )
        assert [t.token_hash for t in created.tokens] == [hash_token(first)]
    page.goto(f"{web.base}/admin/accounts/fp-kaz")
    expect(page.locator("#issued-token")).to_have_count(0)
    assert first not in page.content()

    # Change its role: the Secretariat is bound to no state.
    page.get_by_label("New role").select_option("secretariat")
    page.locator("form[aria-labelledby=h-role]").get_by_label("State").select_option("")
    page.get_by_role("button", name="Change the role").click()
    expect(page.get_by_role("status")).to_have_text("The role was changed.")
    expect(page.locator("#role-now")).to_have_text("Secretariat")
    # A wrong combination is named, and changes nothing.
    page.get_by_label("New role").select_option("observer")
    page.locator("form[aria-labelledby=h-role]").get_by_label("State").select_option("KAZ")
    page.get_by_role("button", name="Change the role").click()
    expect(page.get_by_role("alert")).to_contain_text("state")
    with read_session(web.sessions) as session:
        user = accounts.get_user(session, name="fp-kaz")
        assert (user.role, user.state_iso3) == ("secretariat", None)

    # Issue a second token, then revoke it.
    page.get_by_label("Label (what the token is for)").fill("national system (synthetic)")
    page.get_by_label("Valid for, days").fill("30")
    page.get_by_role("button", name="Issue a token").click()
    second = page.locator("#issued-token").inner_text()
    hint = second[:8]
    row = page.locator("tr", has_text=hint)
    expect(row).to_contain_text("national system (synthetic)")
    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.get_by_role("status")).to_have_text("The token was revoked.")
    expect(page.locator("tr", has_text=hint)).to_contain_text("Revoked")
    with read_session(web.sessions) as session:
        states = {
            t.hint: t.revoked_at is not None
            for t in accounts.get_user(session, name="fp-kaz").tokens
        }
    assert states == {first[:8]: False, hint: True}

    # Lock, then unlock.
    page.get_by_role("button", name="Lock the account").click()
    expect(page.locator("#standing")).to_have_text("Locked")
    with read_session(web.sessions) as session:
        assert accounts.get_user(session, name="fp-kaz").is_active is False
    page.get_by_role("button", name="Unlock the account").click()
    expect(page.get_by_role("status")).to_have_text("The account was unlocked.")
    expect(page.locator("#standing")).to_have_text("Active")
    with read_session(web.sessions) as session:
        assert accounts.get_user(session, name="fp-kaz").is_active is True

    page.get_by_role("link", name="All accounts").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    web.shoot(page, "admin-accounts")
