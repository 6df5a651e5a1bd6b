"""``Idempotency-Key`` on POST: a retried request gets the first response, nothing is written twice.

The key is scoped to the caller's credentials. How one key goes through its life:

1. The first request **reserves** the key in its own short transaction: a row with a random
   ``token`` and ``lease_until = now + EPIBRIDGE_IDEMPOTENCY_LEASE_SECONDS``.
2. The route runs. Its write session (``deps.get_write_session``) **fences** the write: in the
   route's own transaction, just before the commit, it marks the reservation committed —
   only if this request still holds it. So the write and "this key's write happened" commit
   together or not at all, and a key is never taken over once its write was committed.
3. The response is held back until its status, headers and body are **stored** on the row;
   only then is it sent. A client (or anyone) who has seen the response and retries finds the
   outcome and gets it replayed (``Idempotent-Replayed: true``), never a 409.
4. A duplicate that arrives while the first still runs **waits** (a read every 25 ms) for the
   outcome, up to the lease, and then gets the replay: same status, same body.
5. A request that died with its process leaves a reservation whose lease runs out; the next
   retry **takes it over** and runs the route (the fence stops the dead one's write, had it
   been merely slow). If the dead request's write had committed but its response was never
   stored (the process died in between), retries get 409 saying so: the write happened once,
   and the client should read the resource instead of writing it again.

Routes writing through sessions of their own (uploads, report generation) have no fence; for
them step 5 may run the route again, which they survive by content (README, API conventions).
A different request under a used key is refused (422); a 5xx outcome before any commit
releases the key so the client may retry. Multipart bodies are compared by their fields and
files' SHA-256 (``fingerprint``), not their random boundaries. Bodies larger than the buffer
limit are passed through without the key (README, API conventions).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from epibridge.api.fingerprint import fingerprint as fingerprint_of
from epibridge.api.models import IdempotencyRecord
from epibridge.api.unavailable import RETRY_AFTER
from epibridge.db import is_unavailable, read_session, utcnow, write_session
from epibridge.errors import Conflict, FieldError

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
STATE_KEY = "idempotency"
#: Seconds between a waiting duplicate's looks at the first request's row.
POLL = 0.025
_REPLAYED_HEADERS = {"content-type", "location", "link"}


@dataclass(frozen=True)
class Reservation:
    """What the route's write session needs to fence its commit (in ``scope["state"]``)."""

    record_id: int
    token: str


def fence(session: Session, reservation: Reservation | None) -> None:
    """Mark the reservation committed inside the route's transaction, or refuse the write.

    Called by the write session just before its commit. If another request took the key over
    (this one outlived its lease), nothing may be written: the transaction is rolled back and
    the caller gets 409.
    """
    if reservation is None:
        return
    result = session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == reservation.record_id,
            IdempotencyRecord.token == reservation.token,
            IdempotencyRecord.committed_at.is_(None),
        )
        .values(committed_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "this request outlived its Idempotency-Key lease and a retry took the key over",
            [FieldError("Idempotency-Key", "taken over by a retry")],
        )


def _problem(
    status: int, title: str, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {
            "type": "https://epibridge.example/problems/" + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
            "errors": [{"field": "Idempotency-Key", "message": detail}],
        }
    ).encode()
    return status, [(b"content-type", b"application/problem+json"), *(extra or [])], body


def _unavailable() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return _problem(
        503,
        "Service unavailable",
        "the database is unavailable; nothing was written, try again shortly",
        [(b"retry-after", str(RETRY_AFTER).encode())],
    )


@dataclass
class _Seen:
    """What the reservation step found: ours to run, or someone else's record."""

    reservation: Reservation | None = None
    record: IdempotencyRecord | None = None


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: sessionmaker[Session],
        ttl: timedelta,
        max_buffer: int,
        lease: timedelta = timedelta(seconds=60),
        prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.ttl = ttl
        self.lease = lease
        self.max_buffer = max_buffer
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send(send, *_problem(400, "Bad request", "must be 1 to 255 characters"))
            return

        declared = headers.get(b"content-length")
        if declared is None or not declared.isdigit() or int(declared) > self.max_buffer:
            # A large (or unsized) upload is not buffered in memory to fingerprint it; it is
            # passed through as if no key had been sent (see README, API conventions).
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        owner = hashlib.sha256(
            headers.get(b"authorization", b"") + b"\0" + headers.get(b"cookie", b"")
        ).hexdigest()
        fingerprint = fingerprint_of(
            scope["path"], scope.get("query_string", b""), headers.get(b"content-type", b""), body
        )
        try:
            seen = await self._reserve_or_wait(owner, key, fingerprint)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            await _send(send, *_unavailable())
            return
        if seen.reservation is None:
            await _answer_from(send, seen.record, fingerprint)
            return
        await self._run(scope, body, receive, send, seen.reservation)

    async def _reserve_or_wait(self, owner: str, key: str, fingerprint: str) -> _Seen:
        """Reserve the key, or wait for the request holding it: its outcome or its lease's end."""
        deadline = time.monotonic() + self.lease.total_seconds() + 1
        while True:
            seen = await anyio.to_thread.run_sync(self._reserve, owner, key, fingerprint)
            record = seen.record
            if record is None or not _in_flight(record, fingerprint):
                return seen
            if time.monotonic() >= deadline:
                return seen
            # Reads only while waiting (no write lock); a new reservation try once the outcome
            # is stored, the row is gone (released) or the holder's lease is over.
            while time.monotonic() < deadline:
                await anyio.sleep(POLL)
                peeked = await anyio.to_thread.run_sync(self._peek, owner, key)
                if peeked is None or not _in_flight(peeked, fingerprint):
                    break

    async def _run(
        self, scope: Scope, body: bytes, receive: Receive, send: Send, reservation: Reservation
    ) -> None:
        """Run the route with the reservation in its state; store the outcome, then send it."""
        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        held: list[Message] = []
        delivered = False

        async def replay_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture_send(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers") or [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        scope.setdefault("state", {})[STATE_KEY] = reservation
        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            try:
                await anyio.to_thread.run_sync(
                    self._complete, reservation, status, response_headers, b"".join(chunks)
                )
            except Exception as exc:
                # The database went away after the route: the response still goes out; the
                # reservation's lease runs out (and a committed write is never redone).
                if not is_unavailable(exc):
                    raise
        for message in held:
            await send(message)

    def _reserve(self, owner: str, key: str, fingerprint: str) -> _Seen:
        """Reserve the key (or take over an expired reservation); else return the record."""
        now = utcnow()
        with write_session(self.sessions) as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.created_at < now - self.ttl,
                )
            )
            existing = session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
                )
            ).scalar_one_or_none()
            token = secrets.token_hex(16)
            if existing is None:
                record = IdempotencyRecord(
                    owner=owner,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    token=token,
                    lease_until=now + self.lease,
                )
                session.add(record)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    # Another request reserved it a moment ago: wait for it like any holder.
                    return _Seen(record=_placeholder(owner, key, fingerprint, now + self.lease))
                return _Seen(reservation=Reservation(record.id, token))
            if (
                existing.fingerprint == fingerprint
                and existing.status_code is None
                and existing.committed_at is None
                and _expired(existing)
            ):
                # Its request died (or outlived its lease): take the key over. The condition
                # is checked again in the UPDATE, so of two retries only one takes it; the
                # fence then stops the old holder's write, were it merely slow.
                taken = session.execute(
                    update(IdempotencyRecord)
                    .where(
                        IdempotencyRecord.id == existing.id,
                        IdempotencyRecord.status_code.is_(None),
                        IdempotencyRecord.committed_at.is_(None),
                        (IdempotencyRecord.lease_until.is_(None))
                        | (IdempotencyRecord.lease_until <= now),
                    )
                    .values(token=token, lease_until=now + self.lease)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    return _Seen(reservation=Reservation(existing.id, token))
                return _Seen(record=_placeholder(owner, key, fingerprint, now + self.lease))
            session.expunge(existing)
            return _Seen(record=existing)

    def _peek(self, owner: str, key: str) -> IdempotencyRecord | None:
        with read_session(self.sessions) as session:
            return session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
                )
            ).scalar_one_or_none()

    def _complete(
        self,
        reservation: Reservation,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        with write_session(self.sessions) as session:
            record = session.get(IdempotencyRecord, reservation.record_id)
            if record is None or record.token != reservation.token:
                return  # taken over: the other request's outcome counts
            if status >= 500 and record.committed_at is None:
                session.delete(record)  # nothing was written: the client may retry
                return
            record.status_code = status
            record.headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in headers
                if k.decode("latin-1").lower() in _REPLAYED_HEADERS
            ]
            record.body = body
            record.lease_until = None


def _expired(record: IdempotencyRecord) -> bool:
    return record.lease_until is None or record.lease_until <= utcnow()


def _in_flight(record: IdempotencyRecord, fingerprint: str) -> bool:
    """The same request, still running under a live lease: worth waiting for its outcome."""
    return record.fingerprint == fingerprint and record.status_code is None and not _expired(record)


def _placeholder(
    owner: str, key: str, fingerprint: str, lease_until: datetime
) -> IdempotencyRecord:
    """A record standing for one another request holds right now (not read yet)."""
    return IdempotencyRecord(owner=owner, key=key, fingerprint=fingerprint, lease_until=lease_until)


async def _answer_from(send: Send, record: IdempotencyRecord | None, fingerprint: str) -> None:
    """Answer a request whose key another request holds or held."""
    if record is None or record.fingerprint != fingerprint:
        await _send(
            send,
            *_problem(422, "Invalid input", "this key was already used for a different request"),
        )
    elif record.status_code is not None:
        replay_headers = [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers or []
        ] + [(b"idempotent-replayed", b"true")]
        await _send(send, record.status_code, replay_headers, record.body or b"")
    elif record.committed_at is not None:
        await _send(
            send,
            *_problem(
                409,
                "Conflict",
                "the first request with this key was applied but its response was lost; "
                "read the resource instead of sending it again",
            ),
        )
    else:
        await _send(
            send,
            *_problem(409, "Conflict", "a request with this key is still being processed"),
        )


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
