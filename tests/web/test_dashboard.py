"""The dashboard's figures over real HTTP, on both backends: what members see (the figures of
``tests/epidata/test_overview.py``'s day, drawn), what observers and visitors do not."""

from __future__ import annotations

import html
import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.epidata.test_overview import _load
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _sign_in

DAY = "2024-03-20"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", page))


def _row(page: str, state: str) -> str:
    found = re.search(rf'<tr data-state="{state}">(.*?)</tr>', page, flags=re.S)
    assert found, f"no row for {state}"
    return found.group(1)


def test_members_see_trends_rates_and_reporting_of_the_day(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    _load(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/", params={"on": DAY, "lang": "en"}).text
    text = _text(page)
    assert "Figures of the last 12 weeks (Jan 1, 2024 – Mar 18, 2024)" in text
    assert "5 of 9 member states reported the week of Mar 18, 2024 (56%)." in text
    assert "Synthetic demo data" in text  # Kyrgyzstan's series is synthetic
    # One column per main disease, most cases first, then the last four weeks' reporting.
    head = page.split('<table class="figures">', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"\((J11|B05|A09)\)</th>", head) == ["J11", "B05", "A09"]
    kaz, rus, tjk = _row(page, "KAZ"), _row(page, "RUS"), _row(page, "TJK")
    assert re.findall(r'class="trend (\w+)"', kaz) == ["flat", "up", "unknown"]
    assert re.findall(r'class="trend (\w+)"', rus) == ["down", "flat", "unknown"]
    assert "↑ rising" in kaz and "↓ falling" in rus
    # Each week of each small chart says its value, or that it was not reported.
    assert "<title>Mar 11, 2024: not reported</title>" in kaz  # measles' empty week
    assert "<title>Mar 18, 2024: 20</title>" in kaz
    assert re.findall(r"reported (yes|no)", kaz) == ["yes"] * 4
    assert re.findall(r"reported (yes|no)", tjk) == ["no"] * 4
    foot = page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert re.findall(r'<td class="num">([^<]+)</td>', foot) == ["44%", "44%", "44%", "56%"]

    # The map of influenza: 0.49 and 0.05 per 100,000 a week fall in 0.4–0.6 and 0–0.2.
    rates = page.split('<figure class="map rates">', 1)[1].split("</figure>", 1)[0]
    assert 'class="c rate q2" data-state="KAZ"><title>Kazakhstan: 0.49 per 100,000 a week' in rates
    assert 'class="c rate q0" data-state="RUS"><title>Russia: 0.05 per 100,000 a week' in rates
    assert 'class="c rate nodata" data-state="CHN"><title>China: not reported' in rates
    legend = page.split('id="rate-legend"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'swatch rate (\w+)"></span>([^<]+)<', legend) == [
        ("q0", "0 – 0.2"),
        ("q1", "0.2 – 0.4"),
        ("q2", "0.4 – 0.6"),
        ("nodata", "not reported"),
    ]

    # Another disease for the map: measles, Kazakhstan's 20 a week.
    measles = client.get("/", params={"on": DAY, "disease": "B05"}).text
    assert "Kazakhstan: 0.10 per 100,000 a week" in measles
    picker = measles.split('<select id="rate-disease"', 1)[1].split("</select>", 1)[0]
    assert sorted(re.findall(r'<option value="([^"]+)"', picker)) == ["A00", "A09", "B05", "J11"]
    assert re.search(r'value="B05" selected', picker)
    # A code that is no code is said on the page; the rest of the figures stay.
    wrong = client.get("/", params={"on": DAY, "disease": "XYZ"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.text
    assert "Figures of the last 12 weeks" in wrong.text

    # Russian: dates, numbers and words of the page's language.
    russian = _text(client.get("/", params={"on": DAY, "lang": "ru"}).text)
    assert "Данные за неделю с 18 мар. 2024 г. представили государства-члены: 5 из 9 (56 %)." in (
        russian.replace("\xa0", " ")
    )
    assert "↑ рост" in russian and "Казахстан: 0,49 на 100 000 в неделю" in russian.replace(
        "\xa0", " "
    )
    chinese = _text(client.get("/", params={"on": DAY, "lang": "zh"}).text)
    assert "↓ 下降" in chinese and "未报告" in chinese


def test_observers_and_visitors_get_no_figures(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    _load(sessions)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    observer = _sign_in(live_url, "observer-mng")
    page = observer.get("/", params={"on": DAY, "lang": "en"})
    assert page.status_code == 200
    assert 'id="h-figures"' not in page.text and "/static/chart.js" not in page.text
    visitor = httpx.get(f"{live_url}/", params={"on": DAY, "lang": "en"})
    assert visitor.status_code == 200 and 'id="h-figures"' not in visitor.text


def test_a_day_without_data_says_so(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    client = _sign_in(live_url, "sec")
    text = _text(client.get("/", params={"on": DAY, "lang": "en"}).text)
    assert "0 of 9 member states reported the week of Mar 18, 2024 (0%)." in text
    assert "No cases reported in these weeks." in text


def test_the_states_page_gives_the_population_the_rates_use(live_url: str) -> None:
    page = _text(httpx.get(f"{live_url}/states", params={"on": DAY, "lang": "en"}).text)
    # Kazakhstan's shipped 2024 figure (UN WPP 2024), the denominator of its rates above.
    assert "Kazakhstan" in page and "20,592,571 (2024)" in page
    assert "Population: UN World Population Prospects 2024." in page
    russian = httpx.get(f"{live_url}/states", params={"on": DAY, "lang": "ru"}).text
    assert "20\xa0592\xa0571 (2024)" in russian and "Население" in russian
