"""Notification workflows in Chromium, each done through the page by the role that does it and
checked on the page and in the database: notify a detection draft, discard a hand-made draft,
an update with a count not reported, the comment thread and a reminder, verification with a
"not verified" answer and a risk assessment on the 5x5 matrix; the event page shows all that
was recorded, in three languages. (Notify, acknowledge, request and answer verification and
update are also in ``test_browser.py``; not repeated here.) Every event is synthetic test data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.notifications import service as notifications
from epibridge.notifications.models import NotificationEvent, RiskAssessment
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas import Annex2Answers, NotificationCreate
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR
from tests.notifications.factory import FP_KAZ
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def _event(web: Site, **overrides: Any) -> int:
    """A KAZ event, notified unless ``status="draft"`` (synthetic)."""
    today = utcnow().date()
    body: dict[str, Any] = {
        "title": "Synthetic test: cholera cluster in Almaty",
        "disease": "A00",
        "onset_date": today - timedelta(days=6),
        "confirmed_cases": 3,
        "suspected_cases": 12,
        **overrides,
    }
    with write_session(web.sessions) as session:
        return notifications.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(body)
        ).id


def _row(web: Site, event_id: int) -> NotificationEvent:
    with read_session(web.sessions) as session:
        row = session.get(NotificationEvent, event_id)
        assert row is not None
        session.expunge(row)
        return row


def test_focal_point_notifies_the_draft_detection_opened(web: Site) -> None:
    submit_series(web.sessions, "KAZ", BASELINE + OUTBREAK)
    detect(web.sessions)
    with read_session(web.sessions) as session:
        signal = detection.list_signals(session, principal=OPERATOR, limit=5).items[0]
    draft_id = signal.notification_id
    assert draft_id is not None
    web.user("fp-kaz", "focal_point", "KAZ")
    kaz = web.sign_in("fp-kaz")
    kaz.get_by_role("link", name="Notifications", exact=True).click()
    kaz.get_by_role("link", name=_row(web, draft_id).title).click()
    expect(kaz.locator("h1 .tag").last).to_have_text("Draft")
    expect(kaz.locator("h1")).to_contain_text("exercise")  # synthetic series: a drill
    expect(kaz.locator("#signals")).to_contain_text(f"signal #{signal.id}")
    # The draft offers Notify and Discard; no "update" of something never notified.
    expect(kaz.get_by_role("link", name="Notify an update")).to_have_count(0)
    expect(kaz.get_by_role("button", name="Discard")).to_be_visible()
    # Detection counted confirmed cases only: the other counts read "not reported".
    expect(kaz.locator("#count-suspected_cases")).to_have_text("not reported")
    web.shoot(kaz, "draft-notify")
    kaz.get_by_role("button", name="Notify", exact=True).click()
    expect(kaz.get_by_role("status")).to_have_text("Notified to the member states.")
    expect(kaz.locator("#pending")).to_contain_text("Russia")
    expect(kaz.get_by_role("button", name="Notify", exact=True)).to_have_count(0)
    row = _row(web, draft_id)
    assert row.status == "notified" and row.notified_at is not None


def test_focal_point_discards_its_draft_with_the_reason(web: Site) -> None:
    web.user("fp-kaz", "focal_point", "KAZ")
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, "/notifications/new")
    kaz.get_by_label("Title").fill("Synthetic test: suspected measles cluster")
    kaz.get_by_label("Disease (ICD-10 code or").fill("B05")
    kaz.get_by_label("Onset date").fill((utcnow().date() - timedelta(days=3)).isoformat())
    kaz.get_by_label("Suspected cases").fill("4")
    kaz.get_by_label("Save as a draft").check()
    kaz.get_by_role("button", name="Notify", exact=True).click()
    expect(kaz.locator("h1 .tag")).to_have_text("Draft")
    event_id = int(kaz.url.rstrip("/").rsplit("/", 1)[1])
    kaz.get_by_label("Why it is not notified").fill("Synthetic test: rubella after testing")
    web.shoot(kaz, "draft-discard")
    kaz.get_by_role("button", name="Discard").click()
    expect(kaz.get_by_role("status")).to_have_text("Draft discarded; it will not be notified.")
    expect(kaz.locator("#discarded")).to_contain_text("Synthetic test: rubella after testing")
    expect(kaz.get_by_role("button", name="Notify", exact=True)).to_have_count(0)
    row = _row(web, event_id)
    assert row.status == "discarded" and row.notified_at is None
    assert row.close_reason == "Synthetic test: rubella after testing"
    # Kept for the record, not listed with the events.
    web.go(kaz, "/notifications")
    expect(kaz.get_by_text("Synthetic test: suspected measles cluster")).to_have_count(0)


def test_update_comment_thread_and_reminder(web: Site) -> None:
    event_id = _event(web)
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-rus", "focal_point", "RUS")
    rus = web.sign_in("fp-rus")
    web.go(rus, f"/notifications/{event_id}")
    rus.get_by_label("Your comment").fill("Synthetic test: are cases linked to the market?")
    rus.get_by_role("button", name="Add the comment").click()
    expect(rus.get_by_role("status")).to_have_text("Comment added.")

    kaz = web.sign_in("fp-kaz")
    web.go(kaz, f"/notifications/{event_id}")
    expect(kaz.locator("#comments")).to_contain_text("are cases linked to the market?")
    kaz.get_by_label("Your comment").fill("Synthetic test: yes, eight of twelve.")
    kaz.get_by_role("button", name="Add the comment").click()
    comments = kaz.locator("#comments li")
    expect(comments).to_have_count(2)
    expect(comments.first).to_contain_text("Russia")
    expect(comments.last).to_contain_text("eight of twelve")
    # An update that leaves the probable count empty: it stays "not reported", never 0.
    kaz.get_by_role("link", name="Notify an update").click()
    expect(kaz.get_by_label("Probable cases")).to_have_value("")
    kaz.get_by_label("Confirmed cases").fill("9")
    kaz.get_by_role("button", name="Notify the update").click()
    expect(kaz.get_by_role("status")).to_have_text("Update notified.")
    expect(kaz.locator("#count-probable_cases")).to_have_text("not reported")
    expect(kaz.locator("#count-confirmed_cases")).to_have_text("9")
    # The reminder goes to the member states that have not acknowledged (RUS among them).
    kaz.get_by_role("button", name="Send a reminder").click()
    status = kaz.get_by_role("status")
    expect(status).to_contain_text("Reminder sent to the states still to acknowledge:")
    expect(status).to_contain_text("Russia")
    web.shoot(kaz, "event-comments-reminder")
    row = _row(web, event_id)
    assert (row.status, row.confirmed_cases, row.probable_cases) == ("updated", 9, None)
    with read_session(web.sessions) as session:
        reminder = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == "notification.reminder")
        ).scalar_one()
        assert "RUS" in reminder.states and reminder.actor == "user:fp-kaz"
        thread = [
            t.detail["body"]
            for t in notifications.timeline(session, actor=FP_KAZ, event_id=event_id)
            if t.kind == "comment"
        ]
    assert thread == [
        "Synthetic test: are cases linked to the market?",
        "Synthetic test: yes, eight of twelve.",
    ]


def test_verification_risk_matrix_and_the_event_page(web: Site) -> None:
    today = utcnow().date()
    event_id = _event(
        web,
        area_code="KZ-75",
        event_type="outbreak",
        detection_date=today - timedelta(days=2),
        visibility="partners",
        annex2=Annex2Answers(serious_impact=True, unusual=False),
    )
    web.user("fp-rus", "focal_point", "RUS")
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("sec", "secretariat")
    rus = web.sign_in("fp-rus")
    web.go(rus, f"/notifications/{event_id}")
    rus.get_by_label("Question to the notifying state").fill("Synthetic test: culture done?")
    rus.get_by_role("button", name="Request verification").click()
    expect(rus.locator("#verifications")).to_contain_text("Awaiting the answer")

    kaz = web.sign_in("fp-kaz")
    web.go(kaz, f"/notifications/{event_id}")
    kaz.get_by_label("No", exact=True).check()
    kaz.get_by_label("Answer", exact=True).fill("Synthetic test: culture negative so far.")
    kaz.get_by_role("button", name="Send the answer").click()
    expect(kaz.get_by_role("status")).to_have_text("Verification answered.")
    expect(kaz.locator("#verifications .verdict")).to_have_text("Not verified")

    # The Secretariat assesses the risk on the matrix: a click chooses the cell.
    sec = web.sign_in("sec")
    web.go(sec, f"/notifications/{event_id}")
    cells = sec.locator("#risk-matrix button.cell-pick")
    expect(cells).to_have_count(25)
    cell = sec.get_by_role("button", name="Highly likely × Severe: Very high risk")
    cell.click()
    expect(cell).to_have_attribute("aria-pressed", "true")
    expect(sec.get_by_label("Likelihood")).to_have_value("highly_likely")
    expect(sec.get_by_label("Consequence")).to_have_value("severe")
    choice = sec.locator("#matrix-choice")
    expect(choice).to_have_text("Chosen: Highly likely × Severe: Very high risk")
    expect(sec.locator("#risk-matrix button[aria-pressed=true]")).to_have_count(1)
    sec.get_by_label("Rationale").fill("Synthetic test: spread to a second district likely.")
    web.shoot(sec, "risk-matrix")
    sec.get_by_role("button", name="Record the assessment").click()
    expect(sec.get_by_role("status")).to_have_text("Risk assessment recorded.")
    row = sec.locator("#assessments tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Secretariat")
    expect(row).to_contain_text("Very high risk")
    expect(row).to_contain_text("spread to a second district")
    # The chosen cell now carries who chose it.
    chosen = sec.get_by_role("button", name="Highly likely × Severe: Very high risk (Secretariat)")
    expect(chosen).to_contain_text("Secretariat")
    with read_session(web.sessions) as session:
        stored = session.execute(select(RiskAssessment)).scalar_one()
        assert (stored.likelihood, stored.consequence, stored.level) == (
            "highly_likely",
            "severe",
            "very_high",
        )
        assert stored.assessor == "secretariat"
    assert _row(web, event_id).risk_level == "very_high"

    # The event page shows everything recorded.
    web.go(kaz, f"/notifications/{event_id}")
    facts = kaz.locator("#facts")
    expect(facts).to_contain_text("KZ-75 (Almaty)")
    expect(facts).to_contain_text("outbreak")
    expect(facts).to_contain_text("Also observers and partners")
    answers = kaz.locator("#annex2-answers li")
    expect(answers.nth(0)).to_contain_text("Yes")
    expect(answers.nth(1)).to_contain_text("No")
    expect(answers.nth(2)).to_contain_text("Not known yet")
    expect(kaz.locator("#count-probable_cases")).to_have_text("not reported")
    expect(kaz.locator("#verifications")).to_contain_text("culture negative so far")
    expect(kaz.locator("#assessments")).to_contain_text("Highly likely")
    web.shoot(kaz, "event-page")
    for lang, words in (("ru", ("нет данных", "Не подтверждено")), ("zh", ("未报告", "未核实"))):
        web.go(kaz, f"/notifications/{event_id}?lang={lang}")
        expect(kaz.locator("#count-probable_cases")).to_have_text(words[0])
        expect(kaz.locator("#verifications .verdict")).to_have_text(words[1])
        web.shoot(kaz, "event-page")
