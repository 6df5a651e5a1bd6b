"""Server-side browser sessions: opened at sign-in, looked up on every page, ended at once.

A signed cookie alone cannot be withdrawn: a copy made before signing out kept working until
it expired. Here the cookie carries only a random id (256 bits); the row holding its SHA-256
hash says whose session it is, its CSRF token and until when it is valid, and ``ended_at``
ends it for every copy of the cookie. The functions write no audit entry themselves: their
callers (sign-in, sign-out, password change, deactivation, "end all sessions") audit the act
that ends or opens a session, in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from epibridge.members.models import BrowserSession, User

#: How long a session lasts after sign-in, however active.
SESSION_LIFETIME = timedelta(hours=8)
#: ``last_seen_at`` is written at most this often (not on every page view).
TOUCH_EVERY = timedelta(minutes=5)
#: Ended and expired rows are deleted this long afterwards (kept a while for investigation).
KEEP_ENDED = timedelta(days=7)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A new session: the id for the cookie (never stored) and its CSRF token."""

    session_id: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class Current:
    """A live session as a page request sees it."""

    user: User
    csrf: str
    expires_at: datetime
    stale: bool  # last seen longer than TOUCH_EVERY ago


def open_session(session: Session, *, user_id: int, now: datetime) -> Opened:
    """Start a session for ``user_id``; also drop rows ended or expired long ago."""
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at < now - KEEP_ENDED))
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = now + SESSION_LIFETIME
    session.add(
        BrowserSession(
            id_hash=hash_id(session_id),
            user_id=user_id,
            csrf=csrf,
            created_at=now,
            expires_at=expires,
            last_seen_at=now,
        )
    )
    session.flush()
    return Opened(session_id, csrf, expires)


def current(session: Session, *, session_id: str, now: datetime) -> Current | None:
    """The live session with this id and its active account, or None."""
    row = session.execute(
        select(BrowserSession, User)
        .join(User, User.id == BrowserSession.user_id)
        .where(
            BrowserSession.id_hash == hash_id(session_id),
            BrowserSession.ended_at.is_(None),
            BrowserSession.expires_at > now,
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    record, user = row
    return Current(user, record.csrf, record.expires_at, now - record.last_seen_at > TOUCH_EVERY)


def touch(session: Session, *, session_id: str, now: datetime) -> None:
    """Record that the session was used now (for the administrator's list, not for expiry)."""
    session.execute(
        update(BrowserSession)
        .where(BrowserSession.id_hash == hash_id(session_id))
        .values(last_seen_at=now)
    )


def end_session(session: Session, *, session_id: str, now: datetime) -> int | None:
    """End one session (sign-out); return its account's id, or None if it was not live."""
    row = session.execute(
        update(BrowserSession)
        .where(BrowserSession.id_hash == hash_id(session_id), BrowserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="logout")
        .returning(BrowserSession.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else int(row[0])


def end_all(session: Session, *, user_id: int, reason: str, now: datetime) -> int:
    """End every live session of an account; return how many were ended."""
    ended = session.execute(
        update(BrowserSession)
        .where(
            BrowserSession.user_id == user_id,
            BrowserSession.ended_at.is_(None),
            BrowserSession.expires_at > now,
        )
        .values(ended_at=now, end_reason=reason)
        .returning(BrowserSession.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(ended)
