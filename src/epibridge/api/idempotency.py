"""``Idempotency-Key`` on POST: a retried request gets the first response, nothing is written twice.

The key is scoped to the caller's credentials. The first request claims the key in its own
short transaction before the route runs; a concurrent duplicate sees the claim and gets 409,
a later one the stored response. A different request under a used key is refused (422).
A 5xx response releases the key so the client may retry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import anyio
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from epibridge.api.models import IdempotencyRecord
from epibridge.db import utcnow, write_session

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
_REPLAYED_HEADERS = {"content-type", "location", "link"}


def _problem(status: int, title: str, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {
            "type": "https://epibridge.example/problems/" + title.lower().replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
            "errors": [{"field": "Idempotency-Key", "message": detail}],
        }
    ).encode()
    return status, [(b"content-type", b"application/problem+json")], body


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: sessionmaker[Session],
        ttl: timedelta,
        max_buffer: int,
        prefix: str = "/api/",
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.ttl = ttl
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
        fingerprint = hashlib.sha256(
            scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\0" + body
        ).hexdigest()

        existing = await anyio.to_thread.run_sync(self._claim, owner, key, fingerprint)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                await _send(
                    send,
                    *_problem(
                        422, "Invalid input", "this key was already used for a different request"
                    ),
                )
            elif existing.status_code is None:
                await _send(
                    send,
                    *_problem(409, "Conflict", "a request with this key is still being processed"),
                )
            else:
                replay_headers = [
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in existing.headers
                ] + [(b"idempotent-replayed", b"true")]
                await _send(send, existing.status_code, replay_headers, existing.body or b"")
            return

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
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
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await anyio.to_thread.run_sync(
                self._complete, owner, key, status, response_headers, b"".join(chunks)
            )

    def _claim(self, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        """Claim the key; return the earlier record instead when it is already taken."""
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
            if existing is not None:
                session.expunge(existing)
                return existing
            session.add(
                IdempotencyRecord(owner=owner, key=key, fingerprint=fingerprint, created_at=now)
            )
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return IdempotencyRecord(owner=owner, key=key, fingerprint=fingerprint)
        return None

    def _complete(
        self, owner: str, key: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        with write_session(self.sessions) as session:
            record = session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.owner == owner, IdempotencyRecord.key == key
                )
            ).scalar_one_or_none()
            if record is None:
                return
            if status >= 500:
                session.delete(record)
                return
            record.status_code = status
            record.headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in headers
                if k.decode("latin-1").lower() in _REPLAYED_HEADERS
            ]
            record.body = body


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
