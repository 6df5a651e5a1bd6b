"""The browser session: a stateless cookie signed with the app's secret key, and CSRF tokens.

No table is needed: the cookie carries the account name, an expiry, a CSRF token and a
fingerprint of the password hash, signed with HMAC-SHA256. Changing the password (or
deactivating the account, checked on every request) ends every session of that account;
signing out replaces the cookie with an anonymous one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

from epibridge.db import read_session
from epibridge.errors import Forbidden, NotFound
from epibridge.members import accounts
from epibridge.security import Principal

COOKIE = "eb_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 8 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class WebSession:
    """What the cookie says: the signed-in account (if any) and the CSRF token."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user: str | None = None
    fingerprint: str | None = None
    expires: int = 0

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.expires > time.time()


def _sign(key: str, payload: bytes) -> str:
    return hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()


def password_fingerprint(key: str, password_hash: str | None) -> str:
    return _sign(key, (password_hash or "").encode())[:24]


def encode(key: str, session: WebSession) -> str:
    body = json.dumps(
        {"c": session.csrf, "u": session.user, "f": session.fingerprint, "e": session.expires},
        separators=(",", ":"),
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
        session = WebSession(
            csrf=str(data["c"]),
            user=data["u"],
            fingerprint=data["f"],
            expires=int(data["e"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if session.user is not None and session.expires <= time.time():
        return WebSession(csrf=session.csrf)  # expired: keep the CSRF token, drop the account
    return session


def signed_in(csrf: str, user: str, fingerprint: str) -> WebSession:
    # A fresh CSRF token at sign-in: a token planted before sign-in is worth nothing after.
    del csrf
    return WebSession(
        user=user, fingerprint=fingerprint, expires=int(time.time()) + SESSION_SECONDS
    )


def check_csrf(session: WebSession | None, submitted: str | None) -> None:
    """Refuse an unsafe request whose token does not match the session's."""
    if session is None or not submitted or not hmac.compare_digest(session.csrf, submitted):
        raise Forbidden(
            "the form or request is missing a valid CSRF token; reload the page and try again",
        )


def principal_for(sessions, key: str, session: WebSession | None) -> Principal | None:  # type: ignore[no-untyped-def]
    """The account a signed-in session belongs to, if it is still active and unchanged."""
    if session is None or not session.signed_in or session.user is None:
        return None
    with read_session(sessions) as db:
        try:
            user = accounts.get_user(db, name=session.user)
        except NotFound:
            return None
        if not user.is_active or session.fingerprint != password_fingerprint(
            key, user.password_hash
        ):
            return None
        return accounts.principal_of(user)
