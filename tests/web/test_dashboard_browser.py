"""The dashboard's figures as a reader uses them, in Chromium: choose the day and the map's
disease, read the legend, point at a state and at a week of a small chart. The series are
SYNTHETIC (generated here with a fixed seed, submitted flagged synthetic) and say so."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from epibridge.db import read_session
from epibridge.epidata import overview
from epibridge.epidata.population import population
from epibridge.security import Principal, Role
from tests.epidata.helpers import csv_of, submit
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

DAY = date(2024, 3, 20)
MONDAYS = overview.window(DAY)
STATES = ("CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB")
#: (disease, weekly cases per 100,000, change per week): influenza falling, measles rising.
DISEASES = (("J11", 10.0, -0.06), ("A09", 5.0, 0.0), ("B05", 0.2, 0.12), ("A01.0", 0.05, 0.0))
#: Weeks not (yet) reported at the end of the window: reporting delays.
LATE = {"IND": 1, "PAK": 1, "TJK": 2}
SECRETARIAT = Principal(1, "sec", Role.SECRETARIAT)


def _load(web: Site) -> None:
    rng = np.random.default_rng(20240320)
    for state in STATES:
        people = population(state, 2024)
        assert people is not None
        rows = []
        for code, rate, change in DISEASES:
            for i, monday in enumerate(MONDAYS[: len(MONDAYS) - LATE.get(state, 0)]):
                mean = people[0] / 100_000 * rate * (1 + change) ** i
                value = int(rng.poisson(mean))
                rows.append(
                    f"{state},,{code},cases,all,{monday},{monday + timedelta(days=6)},{value}"
                )
        submit(web.sessions, csv_of(*rows), state=state, synthetic=True)


def _service(web: Site, disease: str) -> overview.Overview:
    with read_session(web.sessions) as session:
        return overview.overview(session, principal=SECRETARIAT, on=DAY, disease=disease)


def _choose_day(page: Page) -> None:
    day = page.get_by_label("Situation on")
    day.fill(DAY.isoformat())
    page.locator("form.inline", has=day).get_by_role("button").click()


def test_choose_the_day_and_the_map_disease_read_the_legend_and_point_at_figures(
    web: Site,
) -> None:
    _load(web)
    web.user("sec", "secretariat")
    page = web.sign_in("sec", lang="en")
    _choose_day(page)
    figures = page.locator("section.figures")
    expect(figures.locator("h2")).to_contain_text("Figures of the last 12 weeks")
    expect(figures).to_contain_text("Synthetic demo data")
    # India, Pakistan and Tajikistan have not reported the last week yet: 6 of 9.
    expect(figures.locator("p.reporting")).to_have_text(
        "6 of 9 member states reported the week of Mar 18, 2024 (67%)."
    )

    picker = page.get_by_label("Disease for the map")
    picker.select_option("B05")
    page.locator("form.inline", has=picker).get_by_role("button").click()
    expect(page.locator("#h-rate")).to_contain_text("Measles (B05)")
    legend = page.locator("#rate-legend")
    expect(legend).to_be_visible()
    expect(legend.locator("li").last).to_have_text("not reported")
    expect(legend.locator("li").first).to_contain_text("0 – ")

    measles = _service(web, "B05")
    kaz = next(f for f in measles.states if f.state == "KAZ")
    assert kaz.rate.rate is not None
    page.locator('path[data-state="KAZ"]').hover()
    tip = page.locator(".chart-tip")
    expect(tip).to_have_text(f"Kazakhstan: {kaz.rate.rate:,.2f} per 100,000 a week")

    # A week of Kazakhstan's measles in its small chart; its trend word, from the service.
    column = measles.diseases.index("B05")
    cell = page.locator('tr[data-state="KAZ"] td.spark-cell').nth(column)
    cell.locator("rect.bar").last.hover()
    expect(tip).to_have_text(f"Mar 18, 2024: {kaz.diseases[column].values[-1]:,}")
    word = {"up": "rising", "down": "falling", "flat": "stable", "unknown": "not enough data"}
    expect(cell.locator(".trend")).to_contain_text(word[kaz.diseases[column].trend.value])
    assert kaz.diseases[column].trend == overview.Trend.UP  # 12 % more a week
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()
    web.shoot(page, "dashboard-figures")


@pytest.mark.parametrize(
    ("lang", "heading", "legend", "kazakhstan"),
    [
        ("ru", "Показатели за последние 12 нед.", "не сообщалось", "Казахстан: "),
        ("zh", "最近 12 周的数据", "未报告", "哈萨克斯坦："),
    ],
    ids=["ru", "zh"],
)
def test_the_figures_in_russian_and_chinese(
    web: Site, lang: str, heading: str, legend: str, kazakhstan: str
) -> None:
    _load(web)
    web.user("sec", "secretariat")
    page = web.sign_in("sec", lang=lang)
    web.go(page, f"/?on={DAY}")
    expect(page.locator("section.figures h2")).to_contain_text(heading)
    expect(page.locator("#rate-legend li").last).to_have_text(legend)
    page.locator('path[data-state="KAZ"]').hover()
    expect(page.locator(".chart-tip")).to_contain_text(kazakhstan)
    page.mouse.move(5, 5)
    web.shoot(page, "dashboard-figures")
