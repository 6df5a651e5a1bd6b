"""Anyone signed in reads the focal-point directory in Chromium: each member state with its
focal points' names and addresses, the Secretariat, no locked account."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from epibridge.db import write_session
from epibridge.members import accounts
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_an_observer_reads_the_directory(web: Site) -> None:
    for name, role, state in (
        ("fp-kaz", "focal_point", "KAZ"),
        ("fp-kgz", "focal_point", "KGZ"),
        ("fp-rus", "focal_point", "RUS"),
        ("sec-duty", "secretariat", None),
        ("obs-mng", "observer", "MNG"),
    ):
        web.user(name, role, state)
    with write_session(web.sessions) as session:
        kaz = accounts.get_user(session, name="fp-kaz")
        kaz.display_name, kaz.email = "Aigerim Nurlanovna (synthetic)", "ihr@kaz.example"
        accounts.get_user(session, name="sec-duty").email = "duty@secretariat.example"
        accounts.get_user(session, name="fp-rus").is_active = False  # locked
    page = web.sign_in("obs-mng")
    page.get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Focal-point directory")).to_be_visible()
    kazakhstan = page.locator("#state-KAZ")
    expect(kazakhstan).to_contain_text("Kazakhstan")
    expect(kazakhstan).to_contain_text("Aigerim Nurlanovna (synthetic)")
    expect(kazakhstan.get_by_role("link", name="ihr@kaz.example")).to_have_attribute(
        "href", "mailto:ihr@kaz.example"
    )
    expect(page.locator("#state-KGZ")).to_contain_text("fp-kgz")
    expect(page.locator("#state-RUS")).to_contain_text("No focal point has an account yet.")
    expect(page.locator("#state-MNG")).to_have_count(0)  # observers are not member states
    expect(page.locator("#secretariat")).to_contain_text("duty@secretariat.example")
    web.shoot(page, "directory")
