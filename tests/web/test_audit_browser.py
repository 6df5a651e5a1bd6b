"""The Secretariat reads the audit log in Chromium: filters it by who, kind of record, action
and day, verifies the chain and reads the result. Screenshots in the three languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from epibridge.audit.chain import AuditEntry
from epibridge.db import read_session, utcnow
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_the_secretariat_filters_and_verifies_the_log(web: Site) -> None:
    web.user("sec", "secretariat")
    web.user("fp-kaz", "focal_point", "KAZ")
    web.sign_in("fp-kaz")  # writes login_attempt and login entries by user:fp-kaz
    page = web.sign_in("sec")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()

    today = utcnow().date().isoformat()
    page.get_by_label("Who").fill("fp-kaz")
    page.get_by_label("Kind of record").select_option("user")
    page.get_by_label("Action").select_option("login")
    page.get_by_label("From (UTC day)").fill(today)
    page.get_by_label("Until (UTC day, included)").fill(today)
    page.get_by_role("button", name="Show").click()
    with read_session(web.sessions) as session:
        expected = (
            session.execute(
                select(AuditEntry.id).where(
                    AuditEntry.actor == "user:fp-kaz", AuditEntry.action == "login"
                )
            )
            .scalars()
            .all()
        )
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(len(expected))
    assert len(expected) == 1
    expect(rows.first).to_contain_text("user:fp-kaz")
    expect(rows.first.locator("td").first).to_have_text(str(expected[0]))
    assert re.search(r"actor=fp-kaz.*entity=user.*action=login", page.url)
    expect(page.get_by_label("Who")).to_have_value("fp-kaz")

    page.get_by_role("button", name="Verify the chain").click()
    result = page.locator("#verification")
    expect(result).to_contain_text("The chain is intact.")
    with read_session(web.sessions) as session:
        count = len(session.execute(select(AuditEntry.id)).all())
    expect(result).to_contain_text(f"{count} entries and")
    web.shoot(page, "audit-log")
    for lang, intact in (("ru", "Цепочка не нарушена."), ("zh", "哈希链完好。")):
        page.get_by_role("link", name={"ru": "Русский", "zh": "中文"}[lang]).click()
        page.locator("form[action='/audit/verify'] button").click()
        expect(page.locator("#verification")).to_contain_text(intact)
        web.shoot(page, "audit-log")
