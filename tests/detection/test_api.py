"""Signals, thresholds and R_t routes over real HTTP: contract, filters, pages, permissions."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import bearer, make_user

SIGNAL_FIELDS = {
    "id",
    "nowcast",
    "origin_node",
    "dataset",
    "state",
    "area",
    "disease",
    "metric",
    "classification",
    "title",
    "synthetic",
    "granularity",
    "period_start",
    "period_end",
    "method",
    "observed",
    "expected",
    "upperbound",
    "score",
    "alarm",
    "as_of",
    "run_id",
    "created_at",
    "updated_at",
    "status",
    "decided_at",
    "decided_by",
    "on_behalf",
    "reason",
    "notification_id",
}


def test_signals_list_decide_and_permissions(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    submit_series(sessions, "RUS", BASELINE + OUTBREAK, disease="A01")
    detect(sessions)
    fp_kaz = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    fp_rus = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    observer = bearer(make_user(sessions, "obs-mng", "observer", "MNG"))
    api = f"{live_url}/api/v1"

    first = httpx.get(f"{api}/signals", params={"limit": 3}, headers=fp_rus)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 3 and body["next_cursor"]
    assert set(body["items"][0]) == SIGNAL_FIELDS
    rest = httpx.get(
        f"{api}/signals", params={"limit": 3, "cursor": body["next_cursor"]}, headers=fp_rus
    ).json()
    ids = [s["id"] for s in body["items"] + rest["items"]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True) and rest["next_cursor"] is None

    kaz = httpx.get(
        f"{api}/signals",
        params={
            "state": "KAZ",
            "disease": "A09",
            "status": "open",
            "method": "ears-c1",
            "dataset": "sco",
        },
        headers=fp_rus,
    ).json()["items"]
    assert {(s["state"], s["status"], s["synthetic"]) for s in kaz} == {("KAZ", "open", True)}
    assert len(kaz) == 2
    assert httpx.get(f"{api}/signals", headers=observer).status_code == 403
    assert httpx.get(f"{api}/signals").status_code == 401
    bad = httpx.get(f"{api}/signals", params={"status": "maybe"}, headers=fp_kaz)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert httpx.get(f"{api}/signals", params={"cursor": "%%%"}, headers=fp_kaz).status_code == 422

    one = kaz[0]
    shown = httpx.get(f"{api}/signals/{one['id']}", headers=fp_rus)
    assert shown.status_code == 200 and shown.json()["notification_id"] == one["notification_id"]
    assert httpx.get(f"{api}/signals/999999", headers=fp_rus).status_code == 404

    # a focal point of another state can neither confirm nor dismiss
    assert httpx.post(f"{api}/signals/{one['id']}/confirm", headers=fp_rus).status_code == 403
    refused = httpx.post(
        f"{api}/signals/{one['id']}/dismiss", json={"reason": "not ours"}, headers=fp_rus
    )
    assert refused.status_code == 403
    assert (
        httpx.post(f"{api}/signals/{one['id']}/dismiss", json={}, headers=fp_kaz).status_code == 422
    )
    confirmed = httpx.post(f"{api}/signals/{one['id']}/confirm", headers=fp_kaz)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["decided_by"] == "user:fp-kaz"
    event = httpx.get(f"{api}/notifications/{one['notification_id']}", headers=fp_rus)
    assert event.status_code == 200 and event.json()["status"] == "notified"
    assert httpx.post(f"{api}/signals/{one['id']}/confirm", headers=fp_kaz).status_code == 409

    rus = httpx.get(f"{api}/signals", params={"state": "RUS"}, headers=fp_rus).json()["items"]
    dismissed = httpx.post(
        f"{api}/signals/{rus[0]['id']}/dismiss",
        json={"reason": "Synthetic test: laboratory batch reported late"},
        headers=fp_rus,
    )
    assert dismissed.status_code == 200
    assert dismissed.json()["reason"] == "Synthetic test: laboratory batch reported late"
    after = httpx.get(f"{api}/signals", params={"state": "RUS"}, headers=fp_rus).json()["items"]
    assert {s["status"] for s in after} == {"dismissed"}


def test_rt_contract(live_url: str, sessions: sessionmaker[Session]) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    token = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    api = f"{live_url}/api/v1/data/rt"
    base = {"state": "KAZ", "disease": "A09", "classification": "confirmed"}
    got = httpx.get(api, params={**base, "mean_si": 2, "std_si": 1, "window": 4}, headers=token)
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["mean_si"], body["std_si"], body["window"], body["granularity"]) == (
        2.0,
        1.0,
        4,
        "week",
    )
    assert body["synthetic"] is True and body["mean_prior"] == 5.0
    assert len(body["estimates"]) == len(BASELINE + OUTBREAK) - 4
    last = body["estimates"][-1]
    assert set(last) == {
        "period_start",
        "period_end",
        "mean",
        "std",
        "median",
        "quantile_025",
        "quantile_975",
        "quantiles",
    }
    assert last["quantile_025"] < last["median"] < last["quantile_975"] and last["mean"] > 1
    assert set(last["quantiles"]) == {"0.025", "0.05", "0.25", "0.5", "0.75", "0.95", "0.975"}
    defaults = httpx.get(api, params=base, headers=token).json()
    assert (defaults["mean_si"], defaults["std_si"], defaults["window"]) == (2.6, 1.5, 7)

    wrong = httpx.get(api, params={**base, "mean_si": 0.5}, headers=token)
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["errors"][0]["field"] == "mean_si"
    missing = httpx.get(api, params={**base, "disease": "A00"}, headers=token)
    assert missing.status_code == 404
    assert httpx.get(api, params={"state": "KAZ"}, headers=token).status_code == 422
    assert httpx.get(api, params=base).status_code == 401


def test_thresholds_use_the_whole_history_and_clip_only_the_points(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    """Contract of GET /api/v1/data/thresholds: a range never cuts the history a method needs."""
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    fp_rus = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    url = f"{live_url}/api/v1/data/thresholds"
    query = {"state": "KAZ", "disease": "A09", "classification": "confirmed", "method": "ears-c1"}

    full = httpx.get(url, params=query, headers=fp_rus)
    assert full.status_code == 200, full.text
    points = full.json()["points"]
    assert len(points) == len(BASELINE + OUTBREAK)
    assert all(set(p) == {"period_start", "value", "threshold", "alarm"} for p in points)
    assert [p["value"] for p in points] == [float(v) for v in BASELINE + OUTBREAK]
    assert [p["alarm"] for p in points[-2:]] == [True, True]
    assert full.json()["synthetic"] is True

    # EARS C1 needs 7 weeks of baseline: three weeks alone would have none, so no alarm at all.
    start, end = points[-3]["period_start"], points[-2]["period_start"]
    clipped = httpx.get(url, params={**query, "start": start}, headers=fp_rus).json()["points"]
    assert clipped == points[-3:]
    inside = httpx.get(
        url, params={**query, "start": start, "end": _sunday(end)}, headers=fp_rus
    ).json()["points"]
    assert inside == points[-3:-1]

    other = httpx.get(url, params={**query, "method": "no-such"}, headers=fp_rus)
    assert other.status_code == 422 and "method" in other.text
    assert httpx.get(url, params=query).status_code == 401


def _sunday(monday: str) -> str:
    return (date.fromisoformat(monday) + timedelta(days=6)).isoformat()
