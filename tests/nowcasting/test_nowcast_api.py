"""`/api/v1/data/nowcast`, `/triangle` and `/reporting-delay` over real HTTP: the Contract."""

from __future__ import annotations

import csv
import io

import httpx
import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.epidata.ingest import ingest
from epibridge.nowcasting import backtest
from tests.helpers import OPERATOR, bearer, make_user
from tests.nowcasting import vintages

QUERY = {
    "state": "KAZ",
    "disease": "A37",
    "metric": "cases",
    "classification": "confirmed",
    "granularity": "week",
    "max_delay": vintages.MAX_DELAY,
    "as_of": vintages.AS_OF,
}
FIELDS = ["period_start", "observed", "nowcast", "q05", "q25", "q50", "q75", "q95"]


@pytest.fixture
def token(sessions: sessionmaker[Session]) -> str:
    ingest(
        sessions,
        actor=OPERATOR,
        file=io.BytesIO(vintages.archive()),
        state="KAZ",
        filename="archive.csv",
    )
    return make_user(sessions, "fp-kgz", "focal_point", "KGZ")


def test_nowcast_json_is_the_contract(live_url: str, token: str) -> None:
    response = httpx.get(f"{live_url}/api/v1/data/nowcast", params=QUERY, headers=bearer(token))
    assert response.status_code == 200, response.text
    points = response.json()["points"]
    assert [list(p) for p in points] == [FIELDS] * (3 * vintages.MAX_DELAY)
    for point, (start, observed, nowcast) in zip(points, vintages.expected(), strict=True):
        assert point["period_start"] == start.isoformat()
        assert point["observed"] == observed
        assert point["nowcast"] == pytest.approx(nowcast, rel=1e-9)
        assert point["q05"] <= point["q50"] <= point["q95"]
    csv_response = httpx.get(
        f"{live_url}/api/v1/data/nowcast",
        params={**QUERY, "format": "csv"},
        headers=bearer(token),
    )
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert [r["period_start"] for r in rows] == [p["period_start"] for p in points]
    assert [float(r["nowcast"]) for r in rows] == pytest.approx([p["nowcast"] for p in points])


def test_triangle_and_reporting_delay_routes(live_url: str, token: str) -> None:
    triangle = httpx.get(f"{live_url}/api/v1/data/triangle", params=QUERY, headers=bearer(token))
    assert triangle.status_code == 200, triangle.text
    rows = triangle.json()["series"][0]["rows"]
    assert rows[-1] == {
        "period_start": "2025-03-24",
        "period_end": "2025-03-30",
        "values": [18.0, None, None],
    }
    delay = httpx.get(
        f"{live_url}/api/v1/data/reporting-delay", params=QUERY, headers=bearer(token)
    )
    assert delay.status_code == 200, delay.text
    [kaz] = delay.json()
    assert (kaz["state"], kaz["median_delay"], kaz["p90_delay"], kaz["periods"]) == (
        "KAZ",
        1,
        2,
        7,
    )
    assert kaz["share_by_delay"] == pytest.approx([91 / 230, 188 / 230, 1.0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_delay": 0}, "max_delay"),
        ({"as_of": "31.03.2025"}, "as_of"),
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"granularity": "year"}, "granularity"),
        ({"method": "magic"}, "method"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    live_url: str, token: str, change: dict[str, object], field: str
) -> None:
    response = httpx.get(
        f"{live_url}/api/v1/data/nowcast",
        params={**QUERY, **change},
        headers={**bearer(token), "Accept-Language": "ru"},
    )
    assert response.status_code == 422, response.text
    assert field in response.text


def test_an_observer_may_not_read_nowcasts(
    live_url: str, token: str, sessions: sessionmaker[Session]
) -> None:
    observer = make_user(sessions, "obs-mng", "observer", "MNG")
    response = httpx.get(f"{live_url}/api/v1/data/nowcast", params=QUERY, headers=bearer(observer))
    assert response.status_code == 403


def test_backtest_scores_the_database_triangle(
    live_url: str, token: str, sessions: sessionmaker[Session]
) -> None:
    """The route's scores are the backtest of the triangle worked out by hand from the file."""
    content, by_hand = vintages.delayed_archive("KGZ", 40, (0.5, 0.8, 1.0), seed=5)
    ingest(sessions, actor=OPERATOR, file=io.BytesIO(content), state="KGZ", filename="a.csv")
    query = {**QUERY, "state": "KGZ", "periods": 40}
    response = httpx.get(f"{live_url}/api/v1/data/backtest", params=query, headers=bearer(token))
    assert response.status_code == 200, response.text
    found = response.json()
    expected = backtest.backtest(np.array([by_hand]))
    rows = {(r["estimate"], r["step"]): r for r in found["rows"]}
    for kind, scores in (("nowcast", expected.nowcast_scores), ("naive", expected.naive_scores)):
        summary = scores.summary(axis=1)
        for step in range(vintages.MAX_DELAY):
            assert rows[(kind, step)]["n"] == int(summary["n"][0, step])
            assert rows[(kind, step)]["wis"] == pytest.approx(float(summary["wis"][0, step]))
    # Forecast horizons count from one period ahead, as the page and the CSV say.
    assert sorted(s for k, s in rows if k == "forecast") == [1, 2, 3, 4]
    forecast = expected.forecast_scores.summary(axis=1)
    assert rows[("forecast", 1)]["n"] == int(forecast["n"][0, 0])
    # The naive "latest as reported" misses what is still to come: the nowcast beats it.
    assert rows[("nowcast", 0)]["wis"] < rows[("naive", 0)]["wis"]
    text = httpx.get(
        f"{live_url}/api/v1/data/backtest",
        params={**query, "format": "csv"},
        headers=bearer(token),
    ).text
    assert text.splitlines()[0] == "state,estimate,step,wis,coverage_50,coverage_90,bias,n"
    too_short = httpx.get(
        f"{live_url}/api/v1/data/backtest", params={**query, "periods": 5}, headers=bearer(token)
    )
    assert too_short.status_code == 422 and "periods" in too_short.text
