"""Preparedness in Chromium: the Secretariat records a PHEIC on an event's page; a focal point
edits and confirms its state's directory entry (and cannot touch another's); the Secretariat
launches a communication test, a focal point acknowledges it, the report shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.statuses import WhoDetermination
from epibridge.preparedness.models import DirectoryEntry
from tests.notifications.factory import FP_KAZ, event_body
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def _event(sessions: sessionmaker[Session]) -> int:
    with write_session(sessions) as session:
        data = NotificationCreate.model_validate(
            event_body(title="Synthetic test: novel influenza cluster")
        )
        return notifications.create(session, actor=FP_KAZ, data=data).id


def test_the_secretariat_records_a_pheic_on_the_event_page(web: Site) -> None:
    web.user("sec", "secretariat")
    web.user("fp-rus", "focal_point", "RUS")
    event_id = _event(web.sessions)
    page = web.go(web.sign_in("sec"), f"/notifications/{event_id}")
    section = page.locator("#who-determination")
    expect(section.locator("#who-determination-value")).to_have_text("None")
    page.select_option("#determination", "pheic")
    day = utcnow().date().isoformat()
    page.fill("#determined_on", day)
    page.fill("#source", "WHO statement (synthetic)")
    page.click("#record-determination")
    expect(page.get_by_role("status")).to_contain_text("WHO's determination recorded.")
    expect(section.locator("#who-determination-value")).to_contain_text(
        "Public health emergency of international concern (PHEIC)"
    )
    web.shoot(page, "event-who-determination")
    # A focal point reads it, in Russian, and has no form.
    reader = web.go(web.sign_in("fp-rus", lang="ru"), f"/notifications/{event_id}")
    expect(reader.locator("#who-determination-value")).to_contain_text("ЧСЗМЗ")
    expect(reader.locator("#who-determination-form")).to_have_count(0)
    with read_session(web.sessions) as session:
        read = notifications.get(session, actor=FP_KAZ, event_id=event_id)
    assert read.who_determination.determination is WhoDetermination.PHEIC
    assert read.who_determination.determined_on.isoformat() == day  # type: ignore[union-attr]
    # The events list filters on it.
    listing = web.go(page, "/notifications")
    listing.select_option("#f-who", "pheic")
    listing.get_by_role("button", name="Filter").click()
    expect(listing.locator("main table")).to_contain_text("novel influenza cluster")
    web.go(listing, "/notifications?who_determination=none")
    expect(listing.locator("main")).not_to_contain_text("novel influenza cluster")
    web.go(page, f"/notifications/{event_id}")
    # A date in the future is refused, naming the field.
    page.fill("#determined_on", "2999-01-01")
    page.click("#record-determination")
    expect(page.locator("main")).to_contain_text("is after today")


def test_a_focal_point_edits_and_confirms_its_entry(web: Site) -> None:
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("obs-mng", "observer", "MNG")
    page = web.go(web.sign_in("fp-kaz"), "/directory")
    kaz = page.locator("#state-KAZ")
    page.click("#edit-entry")
    expect(page.get_by_role("heading", level=1)).to_contain_text("IHR directory entry")
    page.fill("#focal_point_name", "IHR NFP, Ministry of Health (synthetic)")
    page.fill("#focal_point_email", "ihr@kaz")  # passes the browser's check, not ours
    page.fill("#duty_phone", "+7 717 000 00 00")
    page.fill("#languages", "kk, ru")
    page.fill("#authority_name", "National IHR Authority (synthetic)")
    page.click("#save-entry")
    expect(page.locator("#focal_point_email-error")).to_have_text("not an e-mail address")
    page.fill("#focal_point_email", "ihr@kaz.example")
    page.click("#save-entry")
    expect(page.get_by_role("status")).to_contain_text("Your directory entry is saved.")
    expect(kaz.locator("#entry-KAZ")).to_contain_text("+7 717 000 00 00")
    expect(kaz.locator("#entry-KAZ .confirmed")).to_contain_text("confirmation due")
    page.click("#confirm-entry")
    expect(page.get_by_role("status")).to_contain_text("confirmed for a year")
    expect(kaz.locator("#entry-KAZ .confirmed")).not_to_contain_text("confirmation due")
    expect(page.locator("#state-RUS #edit-entry")).to_have_count(0)
    web.shoot(page, "directory-entry-confirmed")
    # Another state's entry: the form is refused.
    other = page.goto(web.base + "/directory/RUS/edit")
    assert other is not None and other.status == 403
    with read_session(web.sessions) as session:
        entry = session.get(DirectoryEntry, "KAZ")
        assert entry is not None and entry.confirmed_on == utcnow().date()
        assert entry.languages == ["kk", "ru"] and session.get(DirectoryEntry, "RUS") is None
    # An observer reads the accounts directory, not the 24/7 lines.
    observer = web.go(web.sign_in("obs-mng"), "/directory")
    expect(observer.locator("#state-KAZ")).to_be_visible()
    expect(observer.locator("#entry-KAZ")).to_have_count(0)


def test_a_communication_test_is_launched_acknowledged_and_reported(web: Site) -> None:
    web.user("sec", "secretariat")
    web.user("fp-kaz", "focal_point", "KAZ")
    secretariat = web.go(web.sign_in("sec"), "/preparedness/tests")
    secretariat.fill("#note", "Half-yearly test (synthetic)")
    secretariat.click("#launch-test")
    expect(secretariat.get_by_role("heading", level=1)).to_contain_text("TEST")
    test_url = secretariat.url
    focal = web.go(web.sign_in("fp-kaz", lang="zh"), "/")
    notice = focal.locator("[id^=test-notice-]")
    expect(notice).to_contain_text("测试")
    notice.get_by_role("link").click()
    focal.click("#acknowledge-test")
    expect(focal.locator("#own-answer")).to_contain_text("1 小时内")
    web.go(focal, "/")
    expect(focal.locator("[id^=test-notice-]")).to_have_count(0)
    secretariat.goto(test_url)
    expect(secretariat.locator("#answer-KAZ")).to_contain_text("Within 1 hour")
    expect(secretariat.locator("#answer-RUS")).to_contain_text("Not at all")
    expect(secretariat.locator("[data-answer=within_1_hour]")).to_have_text("1")
    web.shoot(secretariat, "communication-test-report")
    with secretariat.expect_download() as download:
        secretariat.click("#report-csv")
    lines = download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0] == "test_id,label,state,acknowledged_at,minutes,answer_time"
    kaz = next(line for line in lines if ",KAZ," in line)
    assert kaz.endswith(",within_1_hour") and ",TEST," in kaz
    # The test is not an event: the notifications list stays empty.
    web.go(secretariat, "/notifications")
    expect(secretariat.locator("main")).not_to_contain_text("TEST")
