"""The nowcast on the epidemic curve, in Chromium: KAZ's weekly series with back-dated vintages
(each week known at 50%, 80% and 100% of its count 0, 1 and 2 weeks after its Sunday); ticking
"Correct for reporting delay" draws the nowcast band over the two incomplete weeks and the
forecast after them, with a legend in the page's language."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from epibridge.epidata.ingest import ingest
from tests.helpers import OPERATOR
from tests.nowcasting import vintages
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

SHARES = (0.5, 0.8, 1.0)
QUERY = f"state=KAZ&disease=A37&classification=confirmed&as_of={vintages.AS_OF}&max_delay=2"


def _archive(web: Site) -> list[list[float]]:
    data, triangle = vintages.delayed_archive("KAZ", 30, SHARES, seed=3)
    ingest(web.sessions, actor=OPERATOR, file=io.BytesIO(data), state="KAZ", filename="a.csv")
    return triangle


def test_the_kaz_curve_shows_the_nowcast_band_when_asked(web: Site) -> None:
    triangle = _archive(web)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang="en")
    web.go(page, f"/data/curve?{QUERY}")
    chart = page.locator("figure.chart svg")
    expect(chart.locator("g.nowcast")).to_have_count(0)
    page.get_by_label("Correct for reporting delay").check()
    page.get_by_role("button", name="Show").click()
    expect(chart.locator("g.nowcast path.band90")).to_have_count(1)
    expect(chart.locator(".band-legend rect.band90")).to_have_count(2)  # nowcast, forecast
    expect(chart.locator("g.forecast path.band50")).to_have_count(1)
    expect(chart.locator(".band-legend")).to_contain_text("Nowcast:")
    expect(chart.locator(".band-legend")).to_contain_text("90% interval")
    rows = page.locator("table.nowcast-table tbody tr")
    expect(rows).to_have_count(6)  # two incomplete weeks, four weeks ahead
    final = round(triangle[-1][0] / SHARES[0])
    median = int(rows.nth(1).locator("td").nth(3).inner_text().replace(",", ""))
    assert abs(median - final) <= 0.03 * final
    # The band lies above what is reported so far for the last week (half of it).
    box = chart.locator("g.nowcast path.band90").first.bounding_box()
    bar = chart.locator("rect.bar").last.bounding_box()
    assert box is not None and bar is not None and box["y"] < bar["y"]
    chart.locator("rect.bar").last.hover()
    expect(page.locator(".chart-tip")).to_contain_text("Nowcast")
    web.shoot(page, "curve-nowcast")


@pytest.mark.parametrize(("lang", "word"), [("ru", "Наукаст"), ("zh", "即时预测")])
def test_the_nowcast_legend_in_russian_and_chinese(web: Site, lang: str, word: str) -> None:
    _archive(web)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang=lang)
    web.go(page, f"/data/curve?{QUERY}&nowcast=yes")
    expect(page.locator("figure.chart .band-legend")).to_contain_text(word)
    web.shoot(page, "curve-nowcast")
