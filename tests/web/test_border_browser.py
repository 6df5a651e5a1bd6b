"""Border workflows as people do them, in Chromium: a focal point reports its side's status with
capacity, period, measures and OxCGRT C8 level, and reads it back on the crossing page; a refused
report names the field in Russian; a lane is recorded and changed in the browser; the map zooms
and no dot hides another. Screenshots: crossing-status-form, crossing-page (en, ru, zh), lanes,
lane-form (changing a lane), border-map."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.borders import service as borders
from epibridge.borders.schemas import StatusReportCreate
from epibridge.db import read_session, write_session
from tests.helpers import OPERATOR
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

KHORGOS = "Khorgos (Nur Zholy–Khorgos)"


def _registry(sessions: sessionmaker[Session]) -> dict[str, int]:
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
    with read_session(sessions) as session:
        return {c.code: c.id for c in borders.list_crossings(session, limit=200).items}


def _open_crossing(page: Page) -> None:
    page.get_by_role("link", name="Borders", exact=True).click()
    page.locator("table").get_by_role("link", name=KHORGOS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(KHORGOS)


def test_a_focal_point_reports_status_and_measures(web: Site) -> None:
    ids = _registry(web.sessions)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz")
    _open_crossing(page)
    form = page.locator("form[action$='/status']")
    # Only Kazakhstan's side is offered to Kazakhstan's focal point.
    expect(page.get_by_label("Side")).to_have_text("Kazakhstan")
    page.get_by_label("Direction").select_option("inbound")
    page.get_by_label("Traffic").select_option("freight")
    page.get_by_label("Status", exact=True).select_option("restricted")
    page.get_by_label("Capacity, per cent of normal").fill("60")
    page.get_by_label("Waiting, minutes").fill("45")
    page.get_by_label("In force from (UTC)").fill("2026-03-01T08:00")
    page.get_by_label("In force until (UTC)").fill("2036-03-01T08:00")
    # Each C8 level is explained beside its choice.
    levels = form.locator("fieldset.c8-levels .choice")
    expect(levels).to_have_count(5)
    expect(levels.nth(4)).to_contain_text("Ban on all regions or total border closure")
    expect(levels.nth(1)).to_contain_text("screened")
    page.get_by_label(re.compile("^2 — Quarantine arrivals")).check()
    page.get_by_label("Measures in force").fill(
        "Drivers from the other side quarantine 7 days in Zharkent (synthetic)."
    )
    web.shoot(page, "crossing-status-form")
    page.get_by_role("button", name="Report status").click()

    expect(page.get_by_role("status")).to_have_text("Status reported.")
    current = page.locator("table.current")
    expect(current).to_contain_text("Restricted")
    expect(current).to_contain_text("60%")
    expect(current).to_contain_text("C8 2 Quarantine arrivals from some or all regions")
    expect(current).to_contain_text("quarantine 7 days in Zharkent (synthetic)")
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    expect(page.locator("table.history")).to_contain_text("Zharkent")
    with read_session(web.sessions) as session:
        reports = borders.current_reports(
            session, crossing_ids=[ids["KAZ-CHN-khorgos-road"]], at=datetime.now(UTC)
        )[ids["KAZ-CHN-khorgos-road"]]
    assert [(r.side, r.direction, r.status, r.capacity_share, r.measures_c8) for r in reports] == [
        ("KAZ", "inbound", "restricted", 0.6, 2)
    ]
    assert reports[0].effective_from == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert reports[0].effective_until == datetime(2036, 3, 1, 8, 0, tzinfo=UTC)
    assert reports[0].wait_minutes == 45 and "Zharkent" in (reports[0].measures_text or "")
    web.shoot(page, "crossing-page")


def test_a_refused_report_names_the_field_in_russian(web: Site) -> None:
    ids = _registry(web.sessions)
    web.user("fp-kaz", "focal_point", "KAZ")
    with write_session(web.sessions) as session:  # China's side, for the screenshots
        borders.report_status(
            session,
            actor=OPERATOR,
            crossing_id=ids["KAZ-CHN-khorgos-road"],
            data=StatusReportCreate(
                side="CHN",
                direction="inbound",
                traffic="freight",
                status="restricted",
                capacity_share=0.5,
                wait_minutes=120,
                measures_c8=1,
                measures_text="Temperature screening of drivers (synthetic).",
                effective_from=datetime.now(UTC) - timedelta(days=2),
            ),
        )
    page = web.sign_in("fp-kaz", lang="ru")
    web.go(page, f"/borders/crossings/{ids['KAZ-CHN-khorgos-road']}")
    web.shoot(page, "crossing-page")
    page.get_by_label("Статус", exact=True).select_option("closed")
    page.get_by_label("Пропускная способность, в процентах от обычной").fill("50")
    page.get_by_label(re.compile("^0 — ")).check()
    page.get_by_role("button", name="Сообщить статус").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Пропускная способность, в процентах от обычной")
    expect(alert).to_contain_text("у закрытого пункта пропуска нет пропускной способности")
    capacity = page.get_by_label("Пропускная способность, в процентах от обычной")
    expect(capacity).to_have_value("50")  # kept as typed
    expect(capacity).to_have_attribute("aria-invalid", "true")
    with read_session(web.sessions) as session:
        history = borders.history(session, crossing_id=ids["KAZ-CHN-khorgos-road"]).items
        assert [r.side for r in history] == ["CHN"]  # nothing new
    page.goto(web.base + f"/borders/crossings/{ids['KAZ-CHN-khorgos-road']}?lang=zh")
    expect(page.get_by_role("heading", name="报告一方的状态")).to_be_visible()
    web.shoot(page, "crossing-page")


def test_a_lane_is_recorded_and_changed_in_the_browser(web: Site) -> None:
    ids = _registry(web.sessions)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz")
    page.get_by_role("link", name="Borders", exact=True).click()
    page.get_by_role("link", name="Green and fast lanes").click()
    page.get_by_role("link", name="Record a lane").click()
    page.get_by_label("Green lane").check()
    page.get_by_label("Name *").fill("KAZ–CHN green lane for medical supplies (synthetic)")
    expect(page.get_by_label("Kazakhstan", exact=True)).to_be_checked()
    page.get_by_label("China", exact=True).check()
    page.get_by_label(re.compile("^Khorgos \\(Nur Zholy")).check()
    page.get_by_label(re.compile("^Torugart")).check()  # Kyrgyzstan–China: not this lane's
    page.get_by_label("Target, minutes *").fill("20")
    page.get_by_label("Documents accepted").fill("e-CMR\nphytosanitary certificate")
    page.get_by_role("button", name="Record the lane").click()
    # Refused, naming the field; the rest of the form is as typed.
    expect(page.get_by_role("alert")).to_contain_text("Crossings")
    expect(page.get_by_label("China", exact=True)).to_be_checked()
    page.get_by_label(re.compile("^Torugart")).uncheck()
    page.get_by_label(re.compile("^Altynkol")).check()
    page.get_by_role("button", name="Record the lane").click()
    expect(page.get_by_role("status")).to_have_text("Lane recorded.")
    lane = page.locator("section.lane").filter(has_text="medical supplies (synthetic)")
    expect(lane).to_contain_text("target 20 min")
    expect(lane.locator("tbody tr")).to_have_count(2)

    lane.get_by_role("link", name="Change this lane").click()
    expect(page.get_by_label("Documents accepted")).to_have_value(
        "e-CMR\nphytosanitary certificate"
    )
    page.get_by_label("Target, minutes *").fill("15")
    page.get_by_label("Valid until").fill("2036-12-31")
    page.get_by_label(re.compile("^Altynkol")).uncheck()
    web.shoot(page, "lane-form")
    page.get_by_role("button", name="Save the lane").click()
    expect(page.get_by_role("status")).to_have_text("Lane changed.")
    expect(lane).to_contain_text("target 15 min")
    expect(lane.locator("tbody tr")).to_have_count(1)
    web.shoot(page, "lanes")
    with read_session(web.sessions) as session:
        (row,) = borders.list_lanes(session, limit=10).items
        assert (row.kind, sorted(row.states), row.target_minutes) == ("green", ["CHN", "KAZ"], 15)
        assert row.crossing_ids == [ids["KAZ-CHN-khorgos-road"]]
        assert str(row.valid_until) == "2036-12-31"


def _screen_dots(page: Page) -> list[tuple[float, float, float]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#border-map circle.xing')).map(c => {
             const b = c.getBoundingClientRect();
             return [b.x + b.width / 2, b.y + b.height / 2, b.width / 2];
           })"""
    )


def _apart(dots: list[tuple[float, float, float]]) -> bool:
    return all(
        math.dist(a[:2], b[:2]) >= a[2] + b[2] - 0.5
        for i, a in enumerate(dots)
        for b in dots[i + 1 :]
    )


def test_the_map_zooms_and_no_dot_hides_another(web: Site) -> None:
    _registry(web.sessions)
    web.user("sec", "secretariat")
    page = web.sign_in("sec")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.get_by_role("link", name="Borders", exact=True).click()
    svg = page.locator("#border-map svg")
    whole = svg.get_attribute("viewBox")
    assert whole is not None and float(whole.split()[2]) == 1000
    start = _screen_dots(page)
    assert len(start) == 27 and _apart(start)
    web.shoot(page, "border-map")

    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    assert float((svg.get_attribute("viewBox") or "").split()[2]) == pytest.approx(250)
    zoomed = _screen_dots(page)
    # Dots keep their size on the screen and still do not cover each other.
    assert zoomed[0][2] == pytest.approx(start[0][2], rel=0.05) and _apart(zoomed)
    # The wheel zooms too (out, here), around the pointer.
    box = svg.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 200)
    assert float((svg.get_attribute("viewBox") or "").split()[2]) == pytest.approx(312.5)
    # Dragging moves the zoomed map.
    before = float((svg.get_attribute("viewBox") or "").split()[0])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 80, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    assert float((svg.get_attribute("viewBox") or "").split()[0]) > before
    page.get_by_role("button", name="Whole map").click()
    assert (svg.get_attribute("viewBox") or "").split()[2] == "1000.00"
    # A dot is a link to its crossing.
    page.locator("#border-map a.xing-link").first.click()
    expect(page).to_have_url(re.compile(r"/borders/crossings/\d+$"))
    assert errors == []  # the script ran without an error
