"""The backtest page over real HTTP: the service's track record as tables, a chart, the CSV.

The archive's weeks (synthetic) are known at 50%, 80% and 100% of their final count 0, 1 and
2 weeks after their Sunday: exact proportions, so the chain ladder's past nowcasts are right up
to rounding and the naive "latest as reported" is off by half the count at delay 0. The page
must show what the API computes, and the gain must be plain.
"""

from __future__ import annotations

import csv
import html
import io
import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import bearer, make_user
from tests.nowcasting import edge
from tests.web.test_pages import PASSWORD, _sign_in

FINALS = [40 + (7 * w) % 23 for w in range(40)]
QUERY = {
    "state": "KAZ",
    "disease": "A37",
    "classification": "confirmed",
    "max_delay": "2",
    "periods": "30",
    "as_of": edge.AS_OF,
    "lang": "en",
}


def _table(text: str, index: int) -> list[list[str]]:
    body = text.split('class="backtest"')[index + 1].split("<tbody>", 1)[1].split("</tbody>")[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>.*?</td>", r, re.S)
        ]
        for r in re.findall(r"<tr>.*?</tr>", body, flags=re.S)
    ]


def test_the_backtest_page_shows_the_services_scores_and_links_its_csv(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    edge.load(sessions, FINALS, (0.5, 0.8, 1.0))
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/data/backtest", params=QUERY)
    assert page.status_code == 200, page.text
    assert "Synthetic demo data" in page.text and 'class="tips bars"' in page.text
    nowcasts = _table(page.text, 0)
    assert [r[0] for r in nowcasts] == ["0", "1"]  # delay 2 is final
    token = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    api = httpx.get(
        f"{live_url}/api/v1/data/backtest",
        params={k: v for k, v in QUERY.items() if k != "lang"},
        headers=bearer(token),
    ).json()
    rows = {(r["estimate"], r["step"]): r for r in api["rows"]}
    for row in nowcasts:
        step = int(row[0])
        method, naive = rows[("nowcast", step)], rows[("naive", step)]
        assert row[1] == f"{method['wis']:,.2f}" and row[2] == f"{naive['wis']:,.2f}"
        assert row[5] == f"{method['coverage_90']:,.2f}"
    # Delay 0: the naive estimate is half the count; the chain ladder nearly exact.
    assert float(nowcasts[0][1]) < 0.2 * float(nowcasts[0][2])
    assert len(_table(page.text, 1)) == 4  # forecasts 1..4 periods ahead
    link = html.unescape(re.search(r'href="(/api/v1/data/backtest\?[^"]+)"', page.text).group(1))
    exported = client.get(link)  # the session cookie is an API credential
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(exported.text)))) >= len(api["rows"])


def test_a_wrong_choice_says_which_field_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    edge.load(sessions, FINALS, (0.5, 0.8, 1.0))
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    short = client.get("/data/backtest", params={**QUERY, "periods": "3"})
    assert short.status_code == 200 and "periods must be between 9 and 520" in short.text
    ru = client.get("/data/backtest", params={**QUERY, "lang": "ru"})
    assert ru.status_code == 200 and "Надёжность наукастов" in ru.text
    zh = client.get("/data/backtest", params={**QUERY, "lang": "zh"})
    assert zh.status_code == 200 and "即时预测的往绩" in zh.text
