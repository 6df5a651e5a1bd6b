"""The browser session: a signed cookie naming a server-side session, and CSRF tokens.

A visitor's cookie carries only a CSRF token (for the sign-in form). At sign-in the cookie
also gets the random id of a row in ``web_sessions`` (``members.browser_sessions``), checked on
every request: signing out, a password change, deactivation and an administrator's "end all
sessions" end the row, and every copy of the cookie stops working at once. The cookie is
signed with HMAC-SHA256 so a visitor's CSRF token cannot be planted by another site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Forbidden
from epibridge.members import accounts, browser_sessions
from epibridge.security import Principal

COOKIE = "eb_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = int(browser_sessions.SESSION_LIFETIME.total_seconds())
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebSession:
    """What the cookie says: the server-side session's id (if signed in) and the CSRF token."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    sid: str | None = None
    expires: int = 0

    @property
    def signed_in(self) -> bool:
        return self.sid is not None and self.expires > time.time()


def _sign(key: str, payload: bytes) -> str:
    return hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()


def encode(key: str, session: WebSession) -> str:
    body = json.dumps(
        {"c": session.csrf, "s": session.sid, "e": session.expires}, separators=(",", ":")
    ).encode()
    payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{payload}.{_sign(key, payload.encode())}"


def decode(key: str, value: str | None) -> WebSession | None:
    """Return the session a cookie holds, or None when it is missing, forged or expired."""
    if not value or "." not in value:
        return None
    payload, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature, _sign(key, payload.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        sid = data["s"]
        session = WebSession(
            csrf=str(data["c"]), sid=None if sid is None else str(sid), expires=int(data["e"])
        )
    except (ValueError, KeyError, TypeError):
        return None
    if session.sid is not None and session.expires <= time.time():
        return WebSession(csrf=session.csrf)  # expired: keep the CSRF token, drop the account
    return session


def signed_in(opened: browser_sessions.Opened) -> WebSession:
    """The cookie of a new session (its CSRF token is fresh: one planted before is worthless)."""
    return WebSession(
        csrf=opened.csrf, sid=opened.session_id, expires=int(opened.expires_at.timestamp())
    )


def check_csrf(session: WebSession | None, submitted: str | None) -> None:
    """Refuse an unsafe request whose token does not match the session's."""
    if session is None or not submitted or not hmac.compare_digest(session.csrf, submitted):
        raise Forbidden(
            "the form or request is missing a valid CSRF token; reload the page and try again",
        )


def principal_for(sessions, key: str, session: WebSession | None) -> Principal | None:  # type: ignore[no-untyped-def]
    """The account of a live server-side session (not ended, not expired, account active)."""
    del key
    if session is None or not session.signed_in or session.sid is None:
        return None
    now = utcnow()
    with read_session(sessions) as db:
        live = browser_sessions.current(db, session_id=session.sid, now=now)
        if live is None or not hmac.compare_digest(live.csrf, session.csrf):
            return None
        principal = accounts.principal_of(live.user)
    if live.stale:
        with write_session(sessions) as db:
            browser_sessions.touch(db, session_id=session.sid, now=now)
    return principal
