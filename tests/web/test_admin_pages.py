"""The administration pages over real HTTP, on both backends: a focal point is refused in its
own language (403, never 500), an administrator's bad input comes back naming the field, and a
token is shown once, on the page that issued it, and never again."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.members import accounts
from epibridge.members.models import ApiToken, User
from epibridge.security import hash_token
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _parse, _sign_in

REFUSED = {"en": "Not allowed", "ru": "Нет доступа", "zh": "无权操作"}


def _error_fields(html: str) -> list[str]:
    return re.findall(r"<li><strong>([^<]+)</strong>", html)


def _accounts(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


def test_a_focal_point_is_refused_every_admin_page_in_its_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    csrf = _csrf(client.get("/").text)
    before = _accounts(sessions)
    with read_session(sessions) as session:
        rus_token = accounts.get_user(session, name="fp-rus").tokens[0].id
        own_token = accounts.get_user(session, name="fp-kaz").tokens[0].id
    for lang, heading in REFUSED.items():
        for path in ("/admin/accounts", "/admin/accounts/fp-rus", "/admin/accounts/nobody"):
            page = client.get(path, params={"lang": lang})
            assert page.status_code == 403, (path, page.status_code)
            assert f'<html lang="{lang}">' in page.text and heading in page.text
        created = client.post(
            f"/admin/accounts?lang={lang}",
            data={"csrf_token": csrf, "name": "mallory", "role": "admin"},
        )
        assert created.status_code == 403 and heading in created.text
    for action, data in (
        ("role", {"role": "admin", "state": ""}),
        ("lock", {}),
        ("unlock", {}),
        ("tokens", {"days": "30"}),
        ("sessions", {}),
        ("password", {"password": "another-password"}),
        (f"tokens/{rus_token}/revoke", {}),
    ):
        refused = client.post(f"/admin/accounts/fp-rus/{action}", data={"csrf_token": csrf, **data})
        assert refused.status_code in (403, 404), (action, refused.status_code)
    # Its own token, through an administrator's page: refused too (its own page revokes it).
    own = client.post(
        f"/admin/accounts/fp-kaz/tokens/{own_token}/revoke", data={"csrf_token": csrf}
    )
    assert own.status_code == 403
    assert _accounts(sessions) == before
    with read_session(sessions) as session:
        assert accounts.get_user(session, name="fp-kaz").tokens[0].revoked_at is None
        rus = accounts.get_user(session, name="fp-rus")
        assert (rus.role, rus.is_active) == ("focal_point", True)
        assert all(t.revoked_at is None for t in rus.tokens) and len(rus.tokens) == 1
    # Not linked for it either.
    assert 'href="/admin/accounts"' not in client.get("/").text


def test_an_administrator_is_told_which_field_is_wrong(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "admin", "admin", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "admin")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "fp-kaz" in page.text
    csrf = _csrf(page.text)
    before = _accounts(sessions)
    cases = [
        ({"name": "x", "role": "admin"}, 422, "name"),
        ({"name": "fp-uzb", "role": "focal_point"}, 422, "state"),
        ({"name": "obs", "role": "observer", "state": "KAZ"}, 422, "state"),
        ({"name": "fp-kaz", "role": "focal_point", "state": "KAZ"}, 409, "name"),
        ({"name": "weak", "role": "admin", "password": "short"}, 422, "password"),
        ({"name": "boss", "role": "chief"}, 422, "role"),
    ]
    for lang in ("en", "ru"):
        for data, status, field in cases:
            refused = client.post(f"/admin/accounts?lang={lang}", data={"csrf_token": csrf, **data})
            assert refused.status_code == status, (data, refused.status_code)
            assert field in _error_fields(refused.text), (data, _error_fields(refused.text))
            assert f'<html lang="{lang}">' in refused.text
    russian = client.post(
        "/admin/accounts?lang=ru",
        data={"csrf_token": csrf, "name": "fp-uzb", "role": "focal_point"},
    )
    assert "роль focal_point должна быть привязана к государству" in russian.text
    assert _accounts(sessions) == before

    bad_role = client.post(
        "/admin/accounts/fp-kaz/role", data={"csrf_token": csrf, "role": "observer", "state": "KAZ"}
    )
    assert bad_role.status_code == 422 and "state" in _error_fields(bad_role.text)
    itself = client.post(
        "/admin/accounts/admin/role", data={"csrf_token": csrf, "role": "observer", "state": "MNG"}
    )
    assert itself.status_code == 409 and "name" in _error_fields(itself.text)
    days = client.post("/admin/accounts/fp-kaz/tokens", data={"csrf_token": csrf, "days": "0"})
    assert days.status_code == 422 and "days" in _error_fields(days.text)
    short = client.post(
        "/admin/accounts/fp-kaz/password", data={"csrf_token": csrf, "password": "abc"}
    )
    assert short.status_code == 422 and "password" in _error_fields(short.text)
    missing = client.get("/admin/accounts/nobody")
    assert missing.status_code == 404
    with read_session(sessions) as session:
        kaz = accounts.get_user(session, name="fp-kaz")
        assert (kaz.role, kaz.state_iso3, len(kaz.tokens)) == ("focal_point", "KAZ", 1)


def test_a_new_token_is_shown_once(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "admin", "admin", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "admin")
    csrf = _csrf(client.get("/admin/accounts/fp-kaz").text)
    issued = client.post(
        "/admin/accounts/fp-kaz/tokens", data={"csrf_token": csrf, "label": "sync", "days": "7"}
    )
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = re.search(r'<code id="issued-token">(eb_[^<]+)</code>', issued.text).group(1)  # type: ignore[union-attr]
    # It works, it is never shown again, and only its hash is stored.
    me = httpx.get(f"{live_url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "fp-kaz"
    for path in ("/admin/accounts/fp-kaz", "/admin/accounts", "/account"):
        assert token not in client.get(path).text
    assert token[:8] in client.get("/admin/accounts/fp-kaz").text  # its hint identifies it
    with read_session(sessions) as session:
        rows = session.execute(select(ApiToken)).scalars().all()
        assert [r.label for r in rows if r.token_hash == hash_token(token)] == ["sync"]
        assert not any(token in (r.token_hash, r.hint, r.label or "") for r in rows)


def test_admin_pages_label_every_control_in_three_languages(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "admin", "admin", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "admin")
    for lang in ("en", "ru", "zh"):
        for path in (
            "/admin/accounts",
            "/admin/accounts/fp-kaz",
            "/account",
            "/account/subscriptions",
            "/audit",
            "/directory",
            "/search?q=cholera",
        ):
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, response.text[:300])
            parsed = _parse(response.text)
            assert parsed.html_lang == lang
            for control in parsed.controls:
                labelled = control.get("id") in parsed.labels or control.get("aria-label")
                assert labelled, f"{path}: control {control} has no label"
