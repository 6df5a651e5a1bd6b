"""The epidemic-curve page and its CSV over real HTTP: what the page shows is what it exports."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from tests.detection.system import BASELINE, OUTBREAK, submit_series
from tests.epidata.helpers import csv_of, submit, weekly
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_curve_csv_exports_the_classification_the_page_shows(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    # Confirmed and all cases of the same week differ, so an export of the wrong one shows.
    submit(
        sessions,
        csv_of(
            "KAZ,,A00,cases,confirmed,2024-01-01,2024-01-07,3",
            "KAZ,,A00,cases,all,2024-01-01,2024-01-07,40",
        ),
        state="KAZ",
    )
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {"state": "KAZ", "disease": "A00", "classification": "confirmed", "lang": "en"}
    page = client.get("/data/curve", params=query)
    assert page.status_code == 200
    # The page's "Download CSV" link, followed as a reader clicks it.
    found = re.search(r'href="(/data/curve\.csv\?[^"]+)"', page.text)
    assert found, "the page has no CSV link"
    link = html.unescape(found.group(1))
    exported = client.get(link)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["state"], r["classification"], r["value"]) for r in rows] == [
        ("KAZ", "confirmed", "3")
    ]


def _cells(page: str) -> list[list[str]]:
    """The curve table's rows as text cells (tags dropped, entities decoded)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        ]
        for row in rows
    ]


def test_a_range_keeps_the_alarms_it_begins_with_as_the_thresholds_api_gives_them(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    """From = the first outbreak week: its alarm stays, computed on the whole history."""
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    client = _sign_in(live_url, "fp-rus")
    query = {"state": "KAZ", "disease": "A09", "classification": "confirmed"}
    api = client.get("/api/v1/data/thresholds", params={**query, "method": "ears-c1"}).json()
    first_alarm = api["points"][-2]
    assert first_alarm["alarm"] is True and first_alarm["threshold"] is not None
    start = first_alarm["period_start"]

    page = client.get(
        "/data/curve", params={**query, "detect": "ears-c1", "start": start, "lang": "en"}
    )
    assert page.status_code == 200
    clipped = client.get(
        "/api/v1/data/thresholds", params={**query, "method": "ears-c1", "start": start}
    ).json()["points"]
    assert clipped == api["points"][-2:]  # the API clips the points, not the history
    rows = _cells(page.text)
    # Two weeks shown, both alarms, with the API's thresholds (rounded as the table shows them).
    assert [r[0] for r in rows] == ["Kazakhstan", "Kazakhstan"]
    assert [r[3] for r in rows] == ["60", "85"]
    assert [r[5] for r in rows] == [f"{p['threshold']:,.1f}" for p in clipped]
    assert [r[6] for r in rows] == ["Alarm", "Alarm"]
    assert page.text.count('class="alarm"') == 2
    assert "Synthetic demo data" in page.text  # the series was submitted as synthetic
    # Without a range, the same two weeks have the same thresholds.
    whole = _cells(client.get("/data/curve", params={**query, "detect": "ears-c1"}).text)
    assert whole[-2:] == rows


def test_a_method_without_enough_history_says_why_with_its_figures(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)  # 28 weeks
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {"state": "KAZ", "disease": "A09", "classification": "confirmed"}
    # Noufaily: 5 years of 52 weeks plus 3 = 263 weeks before a week it judges.
    noufaily = client.get("/data/curve", params={**query, "detect": "noufaily", "lang": "en"})
    assert (
        "Noufaily needs 263 weeks of history before the first week it judges; "
        "this series has 28 weeks."
    ) in html.unescape(noufaily.text)
    russian = html.unescape(
        client.get("/data/curve", params={**query, "detect": "noufaily", "lang": "ru"}).text
    )
    assert "Noufaily" in russian and "263" in russian and "в этом ряду недель: 28" in russian
    chinese = html.unescape(
        client.get("/data/curve", params={**query, "detect": "noufaily", "lang": "zh"}).text
    )
    assert "263 周" in chinese and "28 周" in chinese
    # EARS C1 judges from the eighth week: a range over the first five weeks has no threshold.
    first = client.get("/api/v1/data/thresholds", params={**query, "method": "ears-c1"}).json()
    judged = next(p["period_start"] for p in first["points"] if p["threshold"] is not None)
    assert judged == first["points"][7]["period_start"]
    end = first["points"][4]["period_start"]
    early = client.get(
        "/data/curve", params={**query, "detect": "ears-c1", "end": end, "lang": "en"}
    )
    day = date.fromisoformat(judged)
    assert (
        f"EARS C1 needs 7 weeks of history: its first threshold is for the week of "
        f"{day:%b} {day.day}, {day.year}, after the range shown."
    ) in html.unescape(early.text)


def test_the_disease_picker_lists_the_codes_with_data_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit(sessions, weekly("KAZ", "B05", "2024-01-01", [3, 4]), state="KAZ")
    submit(sessions, weekly("RUS", "J11", "2024-01-01", [30, None]), state="RUS")
    submit(sessions, weekly("RUS", "A03", "2024-01-01", [None]), state="RUS")  # no value
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    for lang, measles, flu in (
        ("en", "Measles (B05)", "Influenza, virus not identified (J11)"),
        ("ru", "Корь (B05)", "(J11)"),
        ("zh", "麻疹 (B05)", "(J11)"),
    ):
        page = client.get("/data/curve", params={"lang": lang}).text
        picker = page.split('<select id="disease"', 1)[1].split("</select>", 1)[0]
        options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', picker)
        assert [code for code, _ in options] in (["B05", "J11"], ["J11", "B05"])
        names = dict(options)
        assert names["B05"] == measles and names["J11"].endswith(flu)
        if lang != "en":
            assert names["J11"] != "Influenza, virus not identified (J11)"


def test_an_empty_result_says_so_and_draws_no_axis(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit(sessions, weekly("KAZ", "B05", "2024-01-01", [3, 4]), state="KAZ")
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get(
        "/data/curve",
        params={"state": "KAZ", "disease": "B05", "start": "2025-01-01", "lang": "en"},
    ).text
    assert "No data for this choice." in page
    assert "Nothing reported by Kazakhstan for Measles (B05). Range: Jan 1, 2025 – …." in page
    assert "<svg" not in page and "<table" not in page
    russian = client.get(
        "/data/curve",
        params={"state": "KAZ", "disease": "B05", "start": "2025-01-01", "lang": "ru"},
    ).text
    assert "Корь (B05)" in russian and "1 янв. 2025" in russian and "<svg" not in russian


def test_the_chart_has_a_title_axis_names_and_values_in_the_page_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit(sessions, weekly("KAZ", "B05", "2024-01-01", [1234, None, 7]), state="KAZ")
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {"state": "KAZ", "disease": "B05", "classification": "confirmed"}
    english = client.get("/data/curve", params={**query, "lang": "en"}).text
    svg = english.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<title>Epidemic curve: Measles (B05) — Cases, Confirmed. Kazakhstan</title>" in svg
    assert ">Week beginning</text>" in svg and ">Cases</text>" in svg
    # Each week's values on hover: the date, the state, the value or "not reported".
    assert "<title>1/1/24 — Kazakhstan: 1,234</title>" in svg
    assert "<title>1/8/24 — Kazakhstan: not reported</title>" in svg
    assert '<script src="/static/chart.js"' in english
    russian = client.get("/data/curve", params={**query, "lang": "ru"}).text
    svg = russian.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Корь (B05)" in svg and "Казахстан" in svg
    assert "<title>01.01.2024 — Казахстан: 1\xa0234</title>" in svg
    assert ">Случаи</text>" in svg
