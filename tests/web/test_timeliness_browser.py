"""7-1-7 timeliness in Chromium: a focal point records an event's milestones and early response
actions on the event page, another state's focal point reads them without the forms, the events
list filters on missed targets (with its other filters), a focal point withdraws a bottleneck,
and the Secretariat reads the scorecard with its chart and CSV in Russian. Every event is
synthetic test data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from epibridge.db import read_session, write_session
from epibridge.timeliness import service as timeliness
from epibridge.timeliness.schemas import FactorCreate
from epibridge.timeliness.statuses import EarlyAction
from tests.notifications.factory import FP_KAZ
from tests.timeliness.factory import make_event
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_focal_point_records_milestones_on_the_event_page(web: Site) -> None:
    event_id = make_event(web.sessions)
    late = make_event(
        web.sessions,
        title="Synthetic test: late notification",
        notified_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
    )
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-rus", "focal_point", "RUS")
    page = web.sign_in("fp-kaz")
    web.go(page, f"/notifications/{event_id}")
    section = page.locator("#timeliness")
    expect(section.locator("#interval-detect")).to_contain_text("4")
    expect(section.locator("#interval-respond")).to_contain_text("not measurable yet")

    section.locator("summary").click()
    page.locator("#emergence_date").fill("2026-02-28")
    page.locator("#emergence_source").fill("Synthetic: line list review")
    page.locator("#save-milestones").click()
    expect(page.locator("p.ok")).to_contain_text("Timeliness recorded.")
    expect(page.locator("#interval-detect")).to_contain_text("5")
    expect(page.locator("#milestones")).to_contain_text("Synthetic: line list review")

    for action in EarlyAction:
        page.locator("#timeliness summary").click()
        page.locator("#tl-action").select_option(str(action))
        if action is EarlyAction.COUNTERMEASURES:
            page.locator("#outcome-not-needed").check()
        else:
            page.locator("#completed_on").fill("2026-03-09")
        page.locator("#save-action").click()
        expect(page.locator("p.ok")).to_be_visible()
    expect(page.locator("#interval-respond")).to_contain_text("3")
    expect(page.locator("#interval-respond")).to_contain_text("met")
    expect(page.locator("#early-actions")).to_contain_text("Not needed")
    expect(page.locator("ol.timeline")).to_contain_text("Early response action recorded")

    page.locator("#timeliness summary").click()
    page.locator("#tl-kind").select_option("enabler")
    page.locator("#tl-stage").select_option("notify")
    page.locator("#tl-category").select_option("data_systems")
    page.locator("#tl-description").fill("Synthetic: electronic reporting from the clinic")
    page.locator("#save-factor").click()
    expect(page.locator("#factors")).to_contain_text("Information systems and data sharing")
    web.shoot(page, "timeliness-event")

    # A completion date left out names the field on the error page.
    web.go(page, f"/notifications/{event_id}")
    page.locator("#timeliness summary").click()
    page.locator("#tl-action").select_option("investigation")
    page.locator("#save-action").click()
    expect(page.locator("main")).to_contain_text("completed_on")

    with read_session(web.sessions) as session:
        read = timeliness.to_read(timeliness.get(session, actor=FP_KAZ, event_id=event_id))
    assert (read.detect_days, read.notify_days, read.respond_days) == (5, 1, 3)
    assert read.early_response.date == date(2026, 3, 9)

    # The events list: only the late notification missed a target.
    web.go(page, "/notifications?missed=any")
    expect(page.locator("table")).to_contain_text("Synthetic test: late notification")
    expect(page.locator(f'a[href="/notifications/{event_id}"]')).to_have_count(0)
    assert page.locator(f'a[href="/notifications/{late}"]').count() == 1

    other = web.sign_in("fp-rus")
    web.go(other, f"/notifications/{event_id}")
    expect(other.locator("#interval-respond")).to_contain_text("3")
    expect(other.locator("#milestones-form")).to_have_count(0)


def test_secretariat_reads_the_scorecard_in_russian(web: Site) -> None:
    make_event(web.sessions)
    make_event(web.sessions, detection=date(2026, 3, 2), title="Synthetic test: slow notify")
    make_event(
        web.sessions,
        onset=date(2026, 4, 1),
        detection=date(2026, 4, 3),
        notified_at=datetime(2026, 4, 3, 12, tzinfo=UTC),
    )
    web.user("sec", "secretariat")
    page = web.sign_in("sec", lang="ru")
    page.locator('nav a[href="/timeliness"]').click()
    expect(page.locator("h1")).to_contain_text("Показатели своевременности (7-1-7)")
    expect(page.locator("#scorecard caption")).to_contain_text("3")
    expect(page.locator("#share-detect")).to_contain_text("100")
    expect(page.locator("#share-notify")).to_contain_text("67")
    expect(page.locator("#scorecard-chart svg")).to_have_count(1)
    expect(page.locator("#periods")).to_contain_text("2026-Q1")
    expect(page.locator("#periods")).to_contain_text("2026-Q2")
    web.shoot(page, "timeliness-scorecard")
    # Each quarter shown links its quarterly report, in the page's language.
    report = page.locator('#quarterly-reports a:text-is("2026-Q1")').get_attribute("href")
    assert report is not None and "lang=ru" in report
    pdf = page.request.get(web.base + report)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.locator("#f-by").select_option("year")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#periods")).to_contain_text("2026")
    href = page.locator('a[download="timeliness-scorecard.csv"]').get_attribute("href")
    assert href is not None and "period=year" in href
    exported = page.request.get(web.base + href)
    assert exported.status == 200
    lines = exported.text().splitlines()
    assert lines[0].startswith("period,state,events") and lines[1].startswith("2026,region,3,")


def test_withdrawing_a_factor_and_missed_targets_with_other_filters(web: Site) -> None:
    event_id = make_event(web.sessions)
    ids = []
    with write_session(web.sessions) as session:
        for category, description in [
            ("laboratory", "Synthetic: specimens waited for transport"),
            ("workforce", "Synthetic: one epidemiologist on leave"),
        ]:
            read = timeliness.add_factor(
                session,
                actor=FP_KAZ,
                event_id=event_id,
                data=FactorCreate(
                    kind="bottleneck", stage="detect", category=category, description=description
                ),
            )
            ids.append(timeliness.to_read(read).factors[-1].id)
    late = datetime(2026, 3, 10, 9, tzinfo=UTC)
    measles = make_event(
        web.sessions, disease="B05", title="Synthetic test: measles", notified_at=late
    )
    make_event(web.sessions, title="Synthetic test: late cholera", notified_at=late)
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-rus", "focal_point", "RUS")

    other = web.sign_in("fp-rus")
    web.go(other, f"/notifications/{event_id}")
    expect(other.locator("#factors")).to_contain_text("one epidemiologist on leave")
    expect(other.locator(f"#withdraw-factor-{ids[0]}")).to_have_count(0)

    page = web.sign_in("fp-kaz")
    web.go(page, f"/notifications/{event_id}")
    page.locator(f"#withdraw-factor-{ids[0]}").click()
    expect(page.locator("p.ok")).to_contain_text("Timeliness recorded.")
    expect(page.locator("#factors")).not_to_contain_text("specimens waited for transport")
    expect(page.locator("#factors")).to_contain_text("one epidemiologist on leave")
    expect(page.locator("ol.timeline")).to_contain_text("Bottleneck or enabler withdrawn")
    with read_session(web.sessions) as session:
        left = timeliness.to_read(timeliness.get(session, actor=FP_KAZ, event_id=event_id))
    assert [f.id for f in left.factors] == [ids[1]]

    # Missed targets narrowed by the list's disease and status filters.
    web.go(page, "/notifications?missed=notify&disease=B05&status=notified")
    expect(page.locator("table")).to_contain_text("Synthetic test: measles")
    expect(page.locator("table")).not_to_contain_text("Synthetic test: late cholera")
    assert page.locator(f'a[href="/notifications/{measles}"]').count() == 1
    web.go(page, "/notifications?missed=notify&disease=B05&status=closed")
    expect(page.locator(f'a[href="/notifications/{measles}"]')).to_have_count(0)
