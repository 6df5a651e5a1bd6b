"""The curve page draws the nowcasting service's nowcast and the forecast after it, over HTTP.

The archive's weeks are known at 50%, 80% and 100% of their final count 0, 1 and 2 weeks
after their Sunday, so the chain ladder's nowcast of the incomplete weeks is their final
count (up to rounding): the reference is that final count, worked out from the shares.
"""

from __future__ import annotations

import html
import io
import re

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import charts
from epibridge.epidata.ingest import ingest
from epibridge.nowcasting.outlook import outlook_of
from epibridge.nowcasting.schemas import NowcastRead
from tests.helpers import OPERATOR, bearer, make_user
from tests.nowcasting import vintages
from tests.web.test_pages import PASSWORD, _sign_in

SHARES = (0.5, 0.8, 1.0)
PAGE = {
    "state": "KAZ",
    "disease": "A37",
    "classification": "confirmed",
    "as_of": vintages.AS_OF,
    "max_delay": "2",
    "lang": "en",
}


def load(sessions: sessionmaker[Session], state: str = "KAZ") -> list[list[float]]:
    data, triangle = vintages.delayed_archive(state, 40, SHARES, seed=7)
    ingest(sessions, actor=OPERATOR, file=io.BytesIO(data), state=state, filename="a.csv")
    return triangle


def _nowcast_rows(text: str) -> list[list[str]]:
    body = text.split('class="nowcast-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>.*?</td>", r)
        ]
        for r in re.findall(r"<tr>.*?</tr>", body, flags=re.S)
    ]


def test_the_curve_draws_the_services_nowcast_and_forecast(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    triangle = load(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    plain = client.get("/data/curve", params=PAGE)
    assert plain.status_code == 200 and 'class="nowcast"' not in plain.text
    page = client.get("/data/curve", params={**PAGE, "nowcast": "yes"})
    assert page.status_code == 200, page.text
    assert 'class="nowcast"' in page.text and 'class="forecast"' in page.text
    assert "Nowcast:" in page.text and "90% interval" in page.text  # the chart's legend
    rows = _nowcast_rows(page.text)
    assert [r[1] for r in rows] == ["Nowcast"] * 2 + ["Forecast"] * 4
    assert [r[2] for r in rows[:2]] == ["Mar 17, 2025", "Mar 24, 2025"]
    # The last two weeks, known at 80% and 50%: their final counts, by the shares.
    finals = [row[0] / SHARES[0] for row in triangle[-2:]]
    medians = [float(r[3].replace(",", "")) for r in rows[:2]]
    assert medians == pytest.approx(finals, rel=0.03)
    # The same numbers as the API's nowcast: one service, not a copy.
    token = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    api = httpx.get(
        f"{live_url}/api/v1/data/nowcast",
        params={
            **{k: PAGE[k] for k in ("state", "disease", "classification", "as_of")},
            "max_delay": 2,
            "granularity": "week",
            "metric": "cases",
        },
        headers=bearer(token),
    )
    read = NowcastRead.model_validate(api.json())
    ahead = outlook_of(read, "week")
    assert [f"{b.q50:,.0f}" for b in ahead.nowcast + ahead.forecast] == [r[3] for r in rows]
    # Forecast: a random walk from the last point nowcast, its intervals widening with the horizon.
    widths = [b.q95 - b.q05 for b in ahead.forecast]
    assert widths == sorted(widths) and widths[0] > 0
    assert all(b.q50 == pytest.approx(read.points[-1].nowcast, rel=1e-6) for b in ahead.forecast)


def test_the_nowcast_labels_are_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    load(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    for lang, word in (("ru", "Наукаст"), ("zh", "即时预测")):
        page = client.get("/data/curve", params={**PAGE, "nowcast": "yes", "lang": lang})
        assert page.status_code == 200 and f"{word}:" in page.text, lang
    # Rates and a bad delay say why, in the page, never a 500.
    rate = client.get("/data/curve", params={**PAGE, "nowcast": "yes", "rate": "yes"})
    assert "The nowcast is drawn on counts" in rate.text
    wrong = client.get("/data/curve", params={**PAGE, "nowcast": "yes", "max_delay": "99"})
    assert wrong.status_code == 200 and "max_delay" in wrong.text


def test_a_lone_period_band_is_drawn_as_a_bar() -> None:
    from datetime import date

    curve = charts.Curve(
        "KAZ", [(date(2025, 1, 6), 3.0)], nowcast=((date(2025, 1, 6), 3, 4, 5, 6, 9),)
    )
    drawn = charts.svg([curve], title="t", fmt_number=str, fmt_date=str)
    assert drawn.count('class="band90"') == 2  # the band and its legend swatch
    assert "nowcast 5" in drawn
