"""``Idempotency-Key`` against a live server: immediate and concurrent retries get the replay.

Before: the outcome was stored after the response had been sent, so 16-44% of immediate
retries got 409, a concurrent duplicate always got 409, every retried upload got 422 (a new
multipart boundary each time) and a request that died left its key blocked for 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api import idempotency
from epibridge.api.fingerprint import fingerprint
from epibridge.api.models import IdempotencyRecord
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict
from epibridge.members.models import User
from tests.epidata.helpers import weekly
from tests.helpers import bearer, make_user

USERS = "/api/v1/users"


def _users(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


def _new_user(name: str, state: str) -> bytes:
    return json.dumps({"name": name, "role": "focal_point", "state": state}).encode()


def _burst(url: str, body: bytes, headers: dict[str, str], n: int) -> list[httpx.Response]:
    """Send ``n`` identical POSTs at the same moment (a barrier releases them together)."""
    start = threading.Barrier(n)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def post() -> None:
        with httpx.Client(timeout=90) as client:
            start.wait()
            answer = client.post(url, content=body, headers=headers)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=post) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_identical_requests_write_once_and_all_get_the_replay(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = bearer(make_user(sessions, "admin", "admin"))
    states = ["RUS", "CHN", "IND", "PAK"]
    for round_, state in enumerate(states):
        headers = {**admin, "Idempotency-Key": f"burst-{round_}"}
        headers["Content-Type"] = "application/json"
        answers = _burst(f"{live_url}{USERS}", _new_user(f"fp-{state.lower()}", state), headers, 10)
        codes = sorted(a.status_code for a in answers)
        assert codes == [201] * 10, [a.text for a in answers if a.status_code != 201]
        # One account created; every answer is the first one (the same one-time token).
        assert len({a.content for a in answers}) == 1
        assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 9
    assert _users(sessions) == 1 + len(states)


def test_an_immediate_retry_gets_the_replay_every_time(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    admin = bearer(make_user(sessions, "admin", "admin"))
    with httpx.Client(base_url=live_url, headers=admin, timeout=30) as client:
        for i in range(25):
            headers = {"Idempotency-Key": f"retry-{i}", "Content-Type": "application/json"}
            body = _new_user(f"fp-kaz-{i}", "KAZ")
            first = client.post(USERS, content=body, headers=headers)
            again = client.post(USERS, content=body, headers=headers)
            assert first.status_code == 201, first.text
            assert again.status_code == 201 and again.content == first.content, again.text
            assert again.headers["idempotent-replayed"] == "true"
    assert _users(sessions) == 26


def test_a_retried_upload_with_a_new_boundary_is_replayed(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    content = weekly("KAZ", "J11", "2024-01-01", [5, 7, 9])
    answers = []
    for boundary in ("----curl-one-1a2b3c", "----curl-two-9z8y7x"):
        # httpx (like curl) would pick a fresh random boundary; these are set to be sure.
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="state"\r\n\r\nKAZ\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="obs.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        answers.append(
            httpx.post(
                f"{live_url}/api/v1/data/submissions",
                content=b"".join(parts),
                headers={
                    **fp,
                    "Idempotency-Key": "upload-1",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
                timeout=60,
            )
        )
    first, retry = answers
    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true" and retry.content == first.content
    listed = httpx.get(f"{live_url}/api/v1/data/submissions", headers=fp).json()["items"]
    assert len(listed) == 1
    # Another file under the same key is a different request.
    other = httpx.post(
        f"{live_url}/api/v1/data/submissions",
        headers={**fp, "Idempotency-Key": "upload-1"},
        files={"file": ("obs.csv", weekly("KAZ", "J11", "2024-01-01", [1]), "text/csv")},
        data={"state": "KAZ"},
        timeout=60,
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def _reserve_as_dead(
    sessions: sessionmaker[Session], token: str, key: str, body: bytes, committed: bool
) -> None:
    """Leave the row a request that died with its process leaves behind, its lease over."""
    owner = hashlib.sha256(f"Bearer {token}".encode() + b"\0").hexdigest()
    now = utcnow()
    with write_session(sessions) as session:
        session.add(
            IdempotencyRecord(
                owner=owner,
                key=key,
                fingerprint=fingerprint(USERS, b"", b"application/json", body),
                created_at=now - timedelta(minutes=5),
                token="dead" * 8,
                lease_until=now - timedelta(seconds=1),
                committed_at=now - timedelta(minutes=5) if committed else None,
            )
        )


def test_a_reserved_key_whose_lease_expired_is_taken_over(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    token = make_user(sessions, "admin", "admin")
    body = _new_user("fp-rus", "RUS")
    headers = {**bearer(token), "Idempotency-Key": "died", "Content-Type": "application/json"}
    _reserve_as_dead(sessions, token, "died", body, committed=False)
    taken = httpx.post(f"{live_url}{USERS}", content=body, headers=headers)
    assert taken.status_code == 201, taken.text
    assert "idempotent-replayed" not in taken.headers
    again = httpx.post(f"{live_url}{USERS}", content=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert _users(sessions) == 2
    with read_session(sessions) as session:
        record = session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.key == "died")
        ).scalar_one()
    # The route's own transaction fenced the write; the outcome followed before the answer.
    assert record.committed_at is not None and record.status_code == 201
    assert record.token != "dead" * 8 and record.lease_until is None

    # Its write had been committed before the process died: never written twice.
    body = _new_user("fp-chn", "CHN")
    _reserve_as_dead(sessions, token, "died-after-commit", body, committed=True)
    headers["Idempotency-Key"] = "died-after-commit"
    lost = httpx.post(f"{live_url}{USERS}", content=body, headers=headers)
    assert lost.status_code == 409 and "applied" in lost.json()["detail"]
    assert _users(sessions) == 2


def test_a_write_whose_key_was_taken_over_is_refused(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with write_session(sessions) as session:
        record = IdempotencyRecord(
            owner="o", key="k", fingerprint="f", created_at=now, token="b" * 32, lease_until=now
        )
        session.add(record)
        session.flush()
        record_id = record.id
    with pytest.raises(Conflict), write_session(sessions) as session:
        idempotency.fence(session, idempotency.Reservation(record_id, "a" * 32))
    with write_session(sessions) as session:
        idempotency.fence(session, idempotency.Reservation(record_id, "b" * 32))
    with read_session(sessions) as session:
        stored = session.get(IdempotencyRecord, record_id)
        assert stored is not None and stored.committed_at is not None
