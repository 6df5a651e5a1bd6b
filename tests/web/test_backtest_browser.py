"""The backtest page in Chromium: from the curve's nowcast to its track record, the method's
scores beside the naive baseline, a chart that shows its values on hover, the CSV link.
The series is SYNTHETIC and labelled so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.nowcasting import edge
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

FINALS = [40 + (7 * w) % 23 for w in range(40)]
CURVE = (
    f"/data/curve?state=KAZ&disease=A37&classification=confirmed&as_of={edge.AS_OF}"
    "&max_delay=2&nowcast=yes"
)


def test_from_the_nowcast_to_its_track_record(web: Site) -> None:
    edge.load(web.sessions, FINALS, (0.5, 0.8, 1.0))
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang="en")
    web.go(page, CURVE)
    page.get_by_role("link", name="How good these nowcasts have been: the track record").click()
    expect(page.locator("h1")).to_have_text("Track record of the nowcasts")
    expect(page.get_by_label("Maximum reporting delay (periods)")).to_have_value("2")
    page.get_by_label("Periods replayed").fill("30")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".tag")).to_contain_text("Synthetic demo data")
    tables = page.locator("table.backtest")
    expect(tables).to_have_count(2)
    expect(tables.first.locator("tbody tr")).to_have_count(2)  # delays 0 and 1
    expect(tables.nth(1).locator("tbody tr")).to_have_count(4)  # 1-4 periods ahead
    bars = page.locator("figure.chart svg.bars rect.s0")
    expect(bars).to_have_count(3)  # delays 0 and 1, and the legend's swatch
    bars.first.hover()
    expect(page.locator(".chart-tip")).to_contain_text("Chain ladder, 0:")
    link = page.locator("#backtest-csv")
    expect(link).to_have_attribute("href", re.compile(r"^/api/v1/data/backtest\?.*format=csv"))
    web.shoot(page, "backtest")


@pytest.mark.parametrize(
    ("lang", "title"), [("ru", "Надёжность наукастов"), ("zh", "即时预测的往绩")]
)
def test_the_backtest_page_in_russian_and_chinese(web: Site, lang: str, title: str) -> None:
    edge.load(web.sessions, FINALS, (0.5, 0.8, 1.0))
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang=lang)
    web.go(
        page,
        "/data/backtest?state=KAZ&disease=A37&classification=confirmed&max_delay=2"
        f"&periods=30&as_of={edge.AS_OF}",
    )
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("table.backtest")).to_have_count(2)
    web.shoot(page, "backtest")
