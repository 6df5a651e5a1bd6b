"""The epidemic database over real HTTP: uploads, rejections, permissions, series, exports."""

from __future__ import annotations

import io

import httpx
import polars as pl
from sqlalchemy.orm import Session, sessionmaker

from epibridge.settings import Settings
from tests.epidata.helpers import csv_of, weekly
from tests.helpers import bearer, make_user


def _upload(base: str, token: str, content: bytes, state: str, **form: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/data/submissions",
        headers=bearer(token),
        files={"file": ("obs.csv", content, "text/csv")},
        data={"state": state, **form},
        timeout=30,
    )


def test_submit_list_and_query(live_url: str, sessions: sessionmaker[Session]) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    secretariat = make_user(sessions, "sec", "secretariat")
    dry = _upload(live_url, fp, weekly("KAZ", "J11", "2024-01-01", [1]), "KAZ", dry_run="true")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    first = _upload(live_url, fp, weekly("KAZ", "J11", "2024-01-01", [5, 7, None]), "KAZ")
    assert first.status_code == 201, first.text
    assert first.json()["row_count"] == 3 and first.json()["synthetic"] is False
    second = _upload(live_url, secretariat, weekly("KGZ", "J11", "2024-01-01", [2, 2, 2]), "KGZ")
    assert second.status_code == 201 and second.json()["on_behalf"] is True

    page = httpx.get(
        f"{live_url}/api/v1/data/submissions", params={"limit": 1}, headers=bearer(fp)
    ).json()
    assert [s["state"] for s in page["items"]] == ["KGZ"] and page["next_cursor"]
    rest = httpx.get(
        f"{live_url}/api/v1/data/submissions",
        params={"limit": 1, "cursor": page["next_cursor"]},
        headers=bearer(fp),
    ).json()
    assert [s["state"] for s in rest["items"]] == ["KAZ"] and rest["next_cursor"] is None
    one = httpx.get(f"{live_url}/api/v1/data/submissions/{first.json()['id']}", headers=bearer(fp))
    assert one.json()["digest"] == first.json()["digest"]

    params = {"state": "KAZ,KGZ", "disease": "J11", "classification": "confirmed", "per": 100000}
    body = httpx.get(
        f"{live_url}/api/v1/data/series", params={**params, "total": "true"}, headers=bearer(fp)
    ).json()
    assert [[p["value"] for p in s["points"]] for s in body["series"]] == [[5, 7, None], [2, 2, 2]]
    assert [p["value"] for p in body["total"]["points"]] == [7, 9, 2]
    assert body["series"][0]["points"][0]["population_year"] == 2024
    assert "World Population Prospects 2024" in body["population_source"]

    csv_text = httpx.get(
        f"{live_url}/api/v1/data/series", params={**params, "format": "csv"}, headers=bearer(fp)
    ).text
    assert csv_text.splitlines()[0].startswith("state,period_start,period_end,value")
    parquet = httpx.get(
        f"{live_url}/api/v1/data/series", params={**params, "format": "parquet"}, headers=bearer(fp)
    )
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert frame.height == 6 and set(frame["state"]) == {"KAZ", "KGZ"}


def test_rejected_file_is_a_problem_listing_rows(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    bad = csv_of(
        "KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,-1",
        "KAZ,,J11,cases,confirmed,2024-01-08,2024-01-14,3",
        "KAZ,,J11,cases,confirmed,2024-01-09,2024-01-15,3",
    )
    response = _upload(live_url, fp, bad, "KAZ")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "value"), (4, "period_end")]
    assert errors[0]["value"] == "-1"
    listed = httpx.get(f"{live_url}/api/v1/data/submissions", headers=bearer(fp)).json()
    assert listed["items"] == []


def test_permissions(live_url: str, sessions: sessionmaker[Session]) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    observer = make_user(sessions, "obs", "observer", "MNG")
    other = _upload(live_url, fp, weekly("RUS", "J11", "2024-01-01", [1]), "RUS")
    assert other.status_code == 403
    assert (
        _upload(live_url, observer, weekly("MNG", "J11", "2024-01-01", [1]), "MNG").status_code
        == 403
    )
    assert _upload(live_url, fp, weekly("KAZ", "J11", "2024-01-01", [4]), "KAZ").status_code == 201
    query = {"disease": "J11", "classification": "confirmed"}
    series = httpx.get(
        f"{live_url}/api/v1/data/series", params={**query, "state": "KAZ"}, headers=bearer(observer)
    )
    assert series.status_code == 403
    totals = httpx.get(f"{live_url}/api/v1/data/totals", params=query, headers=bearer(observer))
    assert totals.status_code == 200 and totals.json()["points"][0]["value"] == 4
    assert httpx.get(f"{live_url}/api/v1/data/totals", params=query).status_code == 401


def test_history_increases_and_reference(live_url: str, sessions: sessionmaker[Session]) -> None:
    fp = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    _upload(live_url, fp, weekly("KGZ", "J11", "2024-01-01", [1, 1, 5, 5]), "KGZ")
    _upload(live_url, fp, weekly("KGZ", "J11", "2024-01-01", [1, 2]), "KGZ")
    query = {"disease": "J11", "classification": "confirmed"}
    history = httpx.get(
        f"{live_url}/api/v1/data/series/history",
        params={**query, "state": "KGZ"},
        headers=bearer(fp),
    ).json()
    assert [(v["period_start"], v["version"], v["value"]) for v in history["versions"]][1:3] == [
        ("2024-01-08", 1, 1),
        ("2024-01-08", 2, 2),
    ]
    ranked = httpx.get(
        f"{live_url}/api/v1/data/increases", params={**query, "weeks": 2}, headers=bearer(fp)
    ).json()
    assert [(r["state"], r["recent"], r["previous"]) for r in ranked] == [("KGZ", 10, 3)]
    bad = httpx.get(
        f"{live_url}/api/v1/data/series",
        params={"state": "KGZ", "disease": "XX"},
        headers=bearer(fp),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "disease"
    assert (
        httpx.get(f"{live_url}/api/v1/data/reference/nothing", headers=bearer(fp)).status_code
        == 404
    )


def test_enormous_upload_is_refused_before_reading(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from tests.support.server import live_server

    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    small = settings.model_copy(update={"max_upload_bytes": 4096})
    content = weekly("KAZ", "J11", "2015-01-05", list(range(200)))
    assert len(content) > 4096
    with live_server(small) as base:
        response = _upload(base, fp, content, "KAZ")
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        listed = httpx.get(f"{base}/api/v1/data/submissions", headers=bearer(fp)).json()
    assert listed["items"] == []
