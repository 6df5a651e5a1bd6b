"""API conventions every module inherits: problem documents, size limits, idempotency, cursors."""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session
from epibridge.members.models import User
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.support.server import live_server


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_malformed_json_is_a_problem_naming_the_body(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_user(sessions, "admin", "admin")
    response = httpx.post(
        f"{live_url}/api/v1/users",
        content=b'{"name": "x", "role": ',
        headers={**bearer(admin), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("invalid-input") and problem["title"] == "Invalid input"
    assert "malformed JSON" in problem["errors"][0]["message"]


def test_unknown_route_and_method_are_problems(live_url: str) -> None:
    missing = httpx.get(f"{live_url}/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = httpx.delete(f"{live_url}/api/v1/states")
    assert wrong.status_code == 405 and wrong.json()["status"] == 405


def test_oversized_body_is_refused_before_anything_is_written(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    admin = make_user(sessions, "admin", "admin")
    before = _count(sessions, AuditEntry)
    small = settings.model_copy(update={"max_body_bytes": 2048})
    with live_server(small) as base:
        payload = {"name": "big-user", "role": "admin", "display_name": "x" * 4000}
        response = httpx.post(f"{base}/api/v1/users", json=payload, headers=bearer(admin))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "body"

        # Streamed without a Content-Length: counted as it arrives.
        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"x" * 1024

        streamed = httpx.post(
            f"{base}/api/v1/users",
            content=chunks(),
            headers={**bearer(admin), "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
    assert _count(sessions, AuditEntry) == before
    assert _count(sessions, User) == 1


def test_idempotency_key_replays_the_first_response(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_user(sessions, "admin", "admin")
    headers = {**bearer(admin), "Idempotency-Key": "create-fp-rus-1"}
    payload = {"name": "fp-rus", "role": "focal_point", "state": "RUS"}
    first = httpx.post(f"{live_url}/api/v1/users", json=payload, headers=headers)
    assert first.status_code == 201
    audit_after_first = _count(sessions, AuditEntry)

    retry = httpx.post(f"{live_url}/api/v1/users", json=payload, headers=headers)
    assert retry.status_code == 201
    assert retry.json() == first.json()  # the same token, not a second account
    assert retry.headers["idempotent-replayed"] == "true"
    assert _count(sessions, AuditEntry) == audit_after_first
    assert _count(sessions, User) == 2

    reused = httpx.post(
        f"{live_url}/api/v1/users",
        json={**payload, "name": "fp-chn", "state": "CHN"},
        headers=headers,
    )
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _count(sessions, User) == 2


def test_idempotency_keys_are_scoped_to_the_caller(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    first_admin = make_user(sessions, "admin", "admin")
    second_admin = make_user(sessions, "admin2", "admin")
    key = {"Idempotency-Key": "same-key"}
    a = httpx.post(
        f"{live_url}/api/v1/users",
        json={"name": "fp-rus", "role": "focal_point", "state": "RUS"},
        headers={**bearer(first_admin), **key},
    )
    b = httpx.post(
        f"{live_url}/api/v1/users",
        json={"name": "fp-chn", "role": "focal_point", "state": "CHN"},
        headers={**bearer(second_admin), **key},
    )
    assert a.status_code == b.status_code == 201
    assert _count(sessions, User) == 4


def test_concurrent_retries_write_once(live_url: str, sessions: sessionmaker[Session]) -> None:
    admin = make_user(sessions, "admin", "admin")
    headers = {**bearer(admin), "Idempotency-Key": "burst"}
    payload = {"name": "fp-ind", "role": "focal_point", "state": "IND"}

    def post() -> int:
        return httpx.post(f"{live_url}/api/v1/users", json=payload, headers=headers).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda _: post(), range(6)))
    assert set(codes) <= {201, 409}
    assert 201 in codes
    assert _count(sessions, User) == 2


def test_overlong_idempotency_key_is_refused(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_user(sessions, "admin", "admin")
    response = httpx.post(
        f"{live_url}/api/v1/users",
        json={"name": "fp-rus", "role": "focal_point", "state": "RUS"},
        headers={**bearer(admin), "Idempotency-Key": "k" * 300},
    )
    assert response.status_code == 400
    assert _count(sessions, User) == 1


def test_audit_pages_with_cursors(live_url: str, sessions: sessionmaker[Session]) -> None:
    secretariat = make_user(sessions, "sec", "secretariat")
    for index in range(4):
        make_user(sessions, f"user{index}", "admin")
    total = _count(sessions, AuditEntry)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(f"{live_url}/api/v1/audit", params=params, headers=bearer(secretariat))
        assert page.status_code == 200
        body = page.json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == total
    assert pages == -(-total // 3)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "!!!not-base64"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 100000}, "limit"),
    ],
)
def test_bad_paging_parameters(
    live_url: str, sessions: sessionmaker[Session], params: dict[str, object], field: str
) -> None:
    secretariat = make_user(sessions, "sec", "secretariat")
    response = httpx.get(f"{live_url}/api/v1/audit", params=params, headers=bearer(secretariat))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_audit_is_closed_to_focal_points(live_url: str, sessions: sessionmaker[Session]) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    assert httpx.get(f"{live_url}/api/v1/audit", headers=bearer(fp)).status_code == 403
    assert httpx.get(f"{live_url}/api/v1/audit").status_code == 401


def test_large_uploads_are_not_buffered_for_idempotency(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    """Past the body limit an upload streams through; the key is ignored, not held in memory."""
    from epibridge.api.models import IdempotencyRecord

    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    rows = ["state,area,disease,metric,classification,period_start,period_end,value"]
    for week in range(1, 53):
        rows.append(f"KAZ,,J11,cases,confirmed,{_iso_week_bounds(2024, week)},{week * 3}")
    body = ("\n".join(rows) + "\n").encode()
    small = settings.model_copy(update={"max_body_bytes": 1024})
    assert len(body) > 1024
    with live_server(small) as base:
        headers = {**bearer(fp), "Idempotency-Key": "upload-1"}
        files = {"file": ("kaz.csv", body, "text/csv")}
        first = httpx.post(
            f"{base}/api/v1/data/submissions", files=files, data={"state": "KAZ"}, headers=headers
        )
        assert first.status_code == 201, first.text
        again = httpx.post(
            f"{base}/api/v1/data/submissions", files=files, data={"state": "KAZ"}, headers=headers
        )
        assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    with read_session(sessions) as session:
        stored = session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one()
    assert stored == 0


def _iso_week_bounds(year: int, week: int) -> str:
    from datetime import date, timedelta

    start = date.fromisocalendar(year, week, 1)
    return f"{start},{start + timedelta(days=6)}"
