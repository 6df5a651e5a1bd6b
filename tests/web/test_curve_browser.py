"""The curve page as a reader uses it, in Chromium: pick a disease that has data, a method and
a range; the alarm the range begins with is drawn, and hovering a bar shows its values in the
page's language. Every series here is SYNTHETIC and labelled so."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from epibridge.db import read_session
from epibridge.detection import service as detection
from epibridge.epidata.selector import SeriesSelector
from epibridge.security import Principal, Role
from tests.detection.system import BASELINE, OUTBREAK, submit_series
from tests.epidata.helpers import submit, weekly
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

FP_KAZ = Principal(1, "fp-kaz", Role.FOCAL_POINT, "KAZ")
QUERY = "state=KAZ&disease=A09&classification=confirmed&detect=ears-c1"


def _series(web: Site) -> list[dict[str, object]]:
    """The KAZ series (28 synthetic weeks ending last week, an outbreak in the last two)."""
    submit_series(web.sessions, "KAZ", BASELINE + OUTBREAK)
    submit(web.sessions, weekly("RUS", "B05", "2024-01-01", [2, 3]), state="RUS", synthetic=True)
    with read_session(web.sessions) as session:
        found = detection.series_thresholds(
            session,
            principal=FP_KAZ,
            selector=SeriesSelector("A09", states=("KAZ",), classification="confirmed"),
            method="ears-c1",
        )
    return [p.model_dump() for p in found.points]


def test_pick_a_disease_and_a_range_see_its_first_alarm_and_hover_a_bar(web: Site) -> None:
    points = _series(web)
    first_alarm = points[-2]
    assert first_alarm["alarm"] is True
    start: date = first_alarm["period_start"]  # type: ignore[assignment]
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang="en")
    page.get_by_role("link", name="Epidemic curves").click()
    picker = page.get_by_label("Disease (ICD-10)")
    # Only the codes with data, named: gastroenteritis (KAZ) and measles (RUS).
    options = picker.locator("option")
    expect(options).to_have_count(2)
    expect(picker.locator("option[value=B05]")).to_have_text("Measles (B05)")
    picker.select_option("A09")
    page.get_by_label("Classification").select_option("confirmed")
    page.get_by_label("Outbreak detection").select_option("ears-c1")
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_role("button", name="Show").click()

    chart = page.locator("figure.chart svg")
    expect(chart.locator("rect.bar")).to_have_count(2)
    # The range begins with an alarm, and keeps it: both outbreak weeks are alarms.
    expect(chart.locator("circle.alarm")).to_have_count(2)
    expect(chart.locator("path.threshold")).to_have_count(1)
    expect(page.locator("h2#h-curve")).to_contain_text("Epidemic curve: ")
    expect(chart.locator("text.label")).to_have_text(["Cases", "Week beginning"])
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Alarm")
    expect(rows.first).to_contain_text(f"{first_alarm['upperbound']:,.1f}")

    chart.locator("rect.bar").first.hover()
    tip = page.locator(".chart-tip")
    expect(tip).to_be_visible()
    limit = f"{first_alarm['upperbound']:,.1f}"
    expect(tip).to_have_text(
        f"{start.month}/{start.day}/{start:%y} — Kazakhstan: 60 · Threshold {limit} · Alarm"
    )
    web.shoot(page, "curve-thresholds")
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ru", ("Казахстан: 85", "Сигнал")), ("zh", ("哈萨克斯坦: 85", "警报"))],
    ids=["ru", "zh"],
)
def test_the_curve_and_its_values_in_russian_and_chinese(
    web: Site, lang: str, words: tuple[str, str]
) -> None:
    points = _series(web)
    last: date = points[-1]["period_start"]  # type: ignore[assignment]
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang=lang)
    web.go(page, f"/data/curve?{QUERY}&start={points[-12]['period_start']}")
    chart = page.locator("figure.chart svg")
    expect(chart.locator("rect.bar")).to_have_count(12)
    chart.locator("rect.bar").last.hover()
    tip = page.locator(".chart-tip")
    day = {"ru": f"{last:%d.%m.%Y}", "zh": f"{last.year}/{last.month}/{last.day}"}[lang]
    expect(tip).to_contain_text(day)
    for word in words:
        expect(tip).to_contain_text(word)
    web.shoot(page, "curve-thresholds")


def test_a_choice_without_data_says_so(web: Site) -> None:
    _series(web)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang="en")
    web.go(page, "/data/curve")
    page.get_by_label("Disease (ICD-10)").select_option("B05")
    page.get_by_label("To", exact=True).fill("2023-12-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("status")).to_contain_text(
        "No data for this choice. Nothing reported by Kazakhstan for Measles (B05)."
    )
    expect(page.locator("figure.chart")).to_have_count(0)
    expect(page.locator("table")).to_have_count(0)
    web.shoot(page, "curve-empty")
