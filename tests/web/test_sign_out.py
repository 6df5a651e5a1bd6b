"""Ending a session ends every copy of its cookie at once, on both backends.

A cookie copied before sign-out, a password change, deactivation or an administrator's "end
all sessions" (API route and CLI command) is refused right after: pages redirect to the
sign-in page and the API answers 401.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.audit import AuditEntry
from epibridge.cli import app
from epibridge.db import read_session, write_session
from epibridge.members import accounts
from epibridge.members.models import BrowserSession
from epibridge.security import operator_principal
from epibridge.settings import Settings
from tests.helpers import bearer, make_user

PASSWORD = "correct-horse-1"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


#: Generous: these tests check which sessions survive, not how fast a loaded machine answers.
TIMEOUT = httpx.Timeout(30.0)


def _sign_in(base: str, name: str = "fp-kaz") -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=TIMEOUT)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "name": name, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def _copy(client: httpx.Client) -> httpx.Client:
    """Another client holding a copy of the cookie (a stolen or saved cookie)."""
    return httpx.Client(
        base_url=str(client.base_url), cookies=dict(client.cookies), timeout=TIMEOUT
    )


def _works(client: httpx.Client) -> bool:
    page = client.get("/notifications")
    api = client.get("/api/v1/users/me")
    assert (page.status_code == 200) == (api.status_code == 200), (page, api)
    if page.status_code != 200:
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert api.status_code == 401
    return page.status_code == 200


def test_a_cookie_copied_before_sign_out_is_refused_after(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url)
    saved = _copy(client)
    other_device = _sign_in(live_url)
    assert _works(saved)
    out = client.post("/logout", data={"csrf_token": _csrf(client.get("/").text)})
    assert out.status_code == 303
    assert not _works(client) and not _works(saved)
    assert _works(other_device)  # signing out ends this session, not the others
    with read_session(sessions) as session:
        rows = session.execute(select(BrowserSession)).scalars().all()
        assert sorted(r.end_reason or "live" for r in rows) == ["live", "logout"]
        assert all(len(r.id_hash) == 64 for r in rows)  # only hashes are kept
        assert session.execute(select(AuditEntry).where(AuditEntry.action == "logout")).first()


def _by_password(sessions: sessionmaker[Session], settings: Settings) -> None:
    with write_session(sessions) as session:
        accounts.set_password(
            session, actor=operator_principal(), name="fp-kaz", password="another-horse-2"
        )


def _by_deactivation(sessions: sessionmaker[Session], settings: Settings) -> None:
    with write_session(sessions) as session:
        accounts.revoke(session, actor=operator_principal(), name="fp-kaz", deactivate=True)


def _by_cli(sessions: sessionmaker[Session], settings: Settings) -> None:
    result = CliRunner().invoke(
        app,
        ["users", "end-sessions", "fp-kaz"],
        env={"EPIBRIDGE_DATABASE_URL": settings.database_url},
    )
    assert result.exit_code == 0, result.output
    assert "ended 2 session(s) of fp-kaz" in result.output


@pytest.mark.parametrize(
    "end", [_by_password, _by_deactivation, _by_cli], ids=["password", "deactivation", "cli"]
)
def test_password_change_deactivation_and_end_sessions_end_every_copy(
    live_url: str,
    sessions: sessionmaker[Session],
    settings: Settings,
    end: Callable[[sessionmaker[Session], Settings], None],
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    first, second = _sign_in(live_url), _sign_in(live_url)
    saved = _copy(first)
    assert _works(saved) and _works(second)
    end(sessions, settings)
    assert not _works(first) and not _works(saved) and not _works(second)


def test_administrator_ends_all_sessions_through_the_api(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    admin = make_user(sessions, "admin", "admin")
    focal = make_user(sessions, "fp-rus", "focal_point", "RUS")
    client = _sign_in(live_url)
    saved = _copy(client)
    path = f"{live_url}/api/v1/users/fp-kaz/sessions/end"
    assert httpx.post(path).status_code == 401
    assert httpx.post(path, headers=bearer(focal)).status_code == 403
    assert _works(saved)
    ended = httpx.post(path, headers=bearer(admin))
    assert ended.status_code == 200 and ended.json() == {"name": "fp-kaz", "sessions_ended": 1}
    assert not _works(client) and not _works(saved)
    assert (
        httpx.post(
            f"{live_url}/api/v1/users/nobody/sessions/end", headers=bearer(admin)
        ).status_code
        == 404
    )
    with read_session(sessions) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "end_sessions")
        ).scalar_one()
        assert entry.actor == "user:admin"
