"""The audit-log viewer over real HTTP, on both backends: for the Secretariat and
administrators only, filtered by who, kind, action and day, a bad filter named, and "verify
chain" telling an intact chain from an edited one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit.chain import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr>\s*<td class="num">(\d+)</td>', html)]


def _entries(sessions: sessionmaker[Session], **where: str) -> list[int]:
    with read_session(sessions) as session:
        query = select(AuditEntry.id).order_by(AuditEntry.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEntry, column) == value)
        return list(session.execute(query).scalars())


def test_only_the_secretariat_and_administrators_read_the_log(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "obs-mng", "observer", "MNG", password=PASSWORD)
    for name in ("fp-kaz", "obs-mng"):
        client = _sign_in(live_url, name)
        for lang, heading in (("ru", "Нет доступа"), ("en", "Not allowed")):
            page = client.get("/audit", params={"lang": lang})
            assert page.status_code == 403 and heading in page.text
        verify = client.post("/audit/verify", data={"csrf_token": _csrf(client.get("/").text)})
        assert verify.status_code == 403
        assert 'href="/audit"' not in client.get("/").text


def test_filters_and_verification(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    _sign_in(live_url, "fp-kaz")  # a login_attempt and a login, by user:fp-kaz
    client = _sign_in(live_url, "sec")
    page = client.get("/audit")
    assert page.status_code == 200
    assert _ids(page.text) == _entries(sessions)[:50]

    by_kaz = client.get("/audit", params={"actor": "fp-kaz"})
    assert _ids(by_kaz.text) == _entries(sessions, actor="user:fp-kaz") != []
    as_logged = client.get("/audit", params={"actor": "user:fp-kaz", "action": "login"})
    assert _ids(as_logged.text) == _entries(sessions, actor="user:fp-kaz", action="login")
    users = client.get("/audit", params={"entity": "user", "action": "create"})
    assert _ids(users.text) == _entries(sessions, entity="user", action="create")
    assert len(_ids(users.text)) == 2
    today = utcnow().date()
    dated = client.get("/audit", params={"since": today.isoformat(), "until": today.isoformat()})
    with read_session(sessions) as session:
        midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
        of_today = session.execute(
            select(AuditEntry.id).where(AuditEntry.at >= midnight).order_by(AuditEntry.id)
        ).scalars()
        assert _ids(dated.text) == list(of_today)[:50] != []
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _ids(client.get("/audit", params={"since": tomorrow}).text) == []

    for params, field in (
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()}, "until"),
        ({"cursor": "forged"}, "cursor"),
    ):
        refused = client.get("/audit", params={**params, "lang": "zh"})
        assert refused.status_code == 422, params
        assert f"<strong>{field}</strong>" in refused.text and '<html lang="zh">' in refused.text

    csrf = _csrf(page.text)
    intact = client.post("/audit/verify?lang=en", data={"csrf_token": csrf})
    assert intact.status_code == 200
    assert "The chain is intact." in intact.text
    # Someone edits an entry behind the application's back: the check names it.
    victim = _entries(sessions, action="login")[0]
    with write_session(sessions) as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.id == victim).values(actor="user:someone-else")
        )
    broken = client.post("/audit/verify?lang=ru", data={"csrf_token": csrf})
    assert "Цепочка не проходит проверку." in broken.text
    # the problem itself in the page's language too, the entry named
    assert f"цепочка журнала аудита нарушена на записи {victim}: " in broken.text
    assert "audit chain broken" not in broken.text
