"""Password sign-in with a lockout that parallel guesses cannot race, and that answers alike.

An attempt is *reserved* before the password is verified: one ``UPDATE users SET
failed_logins = failed_logins + 1 ... WHERE name = :name AND not locked RETURNING ...``
committed on its own. The database serialises concurrent updates of one row (PostgreSQL
re-checks the ``WHERE`` on the row's newest version, SQLite takes its write lock), so however
many guesses arrive at once, at most ``MAX_FAILED_LOGINS`` of them get a reservation; the one
that takes the counter to the limit also sets ``locked_until`` in the same statement. Only a
reserved attempt has its password verified; a success clears the counter.

A caller learns nothing from the answer or its timing: an unknown name, a locked, deactivated or
password-less account, and a wrong password all run one argon2 verification (against a dummy
hash computed once when there is no real one to check) and return the same ``SignIn`` failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, update
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import utcnow, write_session
from epibridge.members import accounts, browser_sessions
from epibridge.members.models import User
from epibridge.security import Principal, hash_password, verify_password

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
#: The one message of every refused sign-in (a message id, translated by the face).
WRONG = "wrong user name or password"


_DUMMY_LOCK = threading.Lock()
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """An argon2 hash no password matches, verified when there is no real hash to check.

    Made once, under a lock: parallel first callers (a burst of guesses at start-up) would
    otherwise each hash one of their own, extra argon2 work a timing could tell apart.
    """
    if not _DUMMY:
        with _DUMMY_LOCK:
            if not _DUMMY:
                import secrets

                _DUMMY.append(hash_password(secrets.token_urlsafe(32)))
    return _DUMMY[0]


@dataclass(frozen=True)
class SignIn:
    """Outcome of a password sign-in: the principal and its new browser session, or ``error``
    (always ``WRONG``)."""

    principal: Principal | None
    error: str | None = None
    browser: browser_sessions.Opened | None = None


def _reserve(session: Session, *, name: str, now: datetime) -> tuple[int, str, int] | None:
    """Count one attempt on an account that is not locked; None when nothing may be checked."""
    expired = (User.locked_until.is_not(None)) & (User.locked_until <= now)
    count = case((expired, literal(1)), else_=User.failed_logins + 1)
    statement = (
        update(User)
        .where(
            User.name == name,
            User.is_active.is_(True),
            User.password_hash.is_not(None),
            or_(User.locked_until.is_(None), User.locked_until <= now),
        )
        .values(
            failed_logins=count,
            locked_until=case(
                (count >= MAX_FAILED_LOGINS, literal(now + LOCKOUT, User.locked_until.type)),
                (expired, literal(None, User.locked_until.type)),
                else_=User.locked_until,
            ),
        )
        .returning(User.id, User.password_hash, User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).first()
    return None if row is None else (row[0], row[1], row[2])


def authenticate_password(
    sessions: sessionmaker[Session],
    *,
    name: str,
    password: str,
    clock: Callable[[], datetime] = utcnow,
) -> SignIn:
    """Check a sign-in; lock the account for ``LOCKOUT`` after ``MAX_FAILED_LOGINS`` attempts.

    Runs its own short transactions: the reservation (counted and audited as
    ``login_attempt`` before the password is verified, so every parallel attempt sees it), and
    on success a second one that clears the counter and opens a server-side browser session.
    A failure writes nothing more: it was counted already.
    """
    now = clock()
    with write_session(sessions) as session:
        reserved = _reserve(session, name=name, now=now)
        if reserved is not None:
            user_id, _, attempts = reserved
            locked = attempts >= MAX_FAILED_LOGINS
            audit.record(
                session,
                actor=f"user:{name}",
                action="login_attempt",
                entity="user",
                entity_id=user_id,
                state={
                    "failed_logins": attempts,
                    "locked_until": now + LOCKOUT if locked else None,
                },
            )
    if reserved is None:
        verify_password(_dummy_hash(), password)
        return SignIn(None, WRONG)
    user_id, password_hash, attempts = reserved
    if not verify_password(password_hash, password):
        return SignIn(None, WRONG)
    with write_session(sessions) as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        user = session.get(User, user_id)
        assert user is not None
        opened = browser_sessions.open_session(session, user_id=user_id, now=now)
        audit.record(
            session,
            actor=f"user:{name}",
            action="login",
            entity="user",
            entity_id=user_id,
            state={"failed_logins_reset": attempts > 1, "session_expires_at": opened.expires_at},
        )
        return SignIn(accounts.principal_of(user), browser=opened)


def sign_out(
    sessions: sessionmaker[Session], *, session_id: str, clock: Callable[[], datetime] = utcnow
) -> None:
    """End this browser session now, for every copy of its cookie; audited as ``logout``."""
    with write_session(sessions) as session:
        user_id = browser_sessions.end_session(session, session_id=session_id, now=clock())
        if user_id is not None:
            user = session.get(User, user_id)
            audit.record(
                session,
                actor=f"user:{user.name if user else user_id}",
                action="logout",
                entity="user",
                entity_id=user_id,
                state={"sessions_ended": 1},
            )
