"""A chart's values reached with the keyboard, in Chromium: the chart is one stop of the Tab key,
the arrow keys move from period to period, and the box shows the focused period's date and
value, the same text hovering shows, in the page's language. The series is SYNTHETIC."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.web.browsing import Site
from tests.web.test_curve_browser import QUERY, _series

pytestmark = pytest.mark.browser

FOCUSED_COLUMN = "document.activeElement && document.activeElement.matches('rect.hit')"


def _tab_to_the_chart(page: Page) -> None:
    """Press Tab until a period column of the chart has the focus (the form comes first)."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_COLUMN):
            return
    raise AssertionError("Tab never reached the chart")


@pytest.mark.parametrize(
    ("lang", "state", "day"),
    [
        ("en", "Kazakhstan", lambda d: f"{d.month}/{d.day}/{d:%y}"),
        ("ru", "Казахстан", lambda d: f"{d:%d.%m.%Y}"),
        ("zh", "哈萨克斯坦", lambda d: f"{d.year}/{d.month}/{d.day}"),
    ],
    ids=["en", "ru", "zh"],
)
def test_tab_to_a_chart_and_read_each_period_with_the_arrow_keys(
    web: Site, lang: str, state: str, day: object
) -> None:
    points = _series(web)[-12:]
    counts = [int(p["observed"]) for p in points]  # type: ignore[call-overload]
    first: date = points[0]["period_start"]  # type: ignore[assignment]
    last: date = points[-1]["period_start"]  # type: ignore[assignment]
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang=lang)
    web.go(page, f"/data/curve?{QUERY}&start={first}")
    chart = page.locator("figure.chart svg")
    columns = chart.locator("rect.hit")
    expect(columns).to_have_count(12)
    # One tab stop for the whole chart: the first period until another one is chosen.
    expect(chart.locator("[tabindex='0']")).to_have_count(1)
    tip = page.locator(".chart-tip")
    expect(tip).to_be_hidden()

    _tab_to_the_chart(page)
    expect(columns.first).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"{day(first)} — {state}: {counts[0]}")  # type: ignore[operator]
    # the same text as hovering the column shows, and as its accessible name
    expect(tip).to_have_text(columns.first.get_attribute("aria-label") or "")

    page.keyboard.press("ArrowRight")
    expect(columns.nth(1)).to_be_focused()
    expect(tip).to_contain_text(f"{state}: {counts[1]}")
    page.keyboard.press("End")
    expect(columns.last).to_be_focused()
    expect(tip).to_contain_text(f"{day(last)} — {state}: {counts[-1]}")  # type: ignore[operator]
    web.shoot(page, "curve-keyboard")

    # Leaving the chart hides the box; coming back lands on the period last read.
    page.keyboard.press("Tab")
    expect(tip).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    expect(columns.last).to_be_focused()
    expect(tip).to_contain_text(f"{state}: {counts[-1]}")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
