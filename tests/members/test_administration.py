"""What administrators do to accounts (roles, locks, single tokens) and the directory: only
administrators may, never to themselves, each change audited, each refusal naming its field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit.chain import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from epibridge.members import accounts, administration, browser_sessions, directory
from epibridge.members.models import ApiToken
from epibridge.members.statuses import AccountStanding, TokenState
from epibridge.security import PermissionDenied
from tests.helpers import make_user


def _principal(sessions: sessionmaker[Session], name: str):  # type: ignore[no-untyped-def]
    with read_session(sessions) as session:
        return accounts.principal_of(accounts.get_user(session, name=name))


def _last_entry(sessions: sessionmaker[Session]) -> AuditEntry:
    with read_session(sessions) as session:
        return session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()


@pytest.fixture
def people(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {
        "admin": make_user(sessions, "admin", "admin"),
        "fp-kaz": make_user(sessions, "fp-kaz", "focal_point", "KAZ"),
        "fp-rus": make_user(sessions, "fp-rus", "focal_point", "RUS"),
    }


def test_change_role_binds_the_right_state_and_is_audited(
    sessions: sessionmaker[Session], people: dict[str, str]
) -> None:
    admin = _principal(sessions, "admin")
    with write_session(sessions) as session:
        administration.change_role(
            session, actor=admin, name="fp-kaz", role="secretariat", state=""
        )
    with read_session(sessions) as session:
        user = accounts.get_user(session, name="fp-kaz")
        assert (user.role, user.state_iso3) == ("secretariat", None)
        # The token already issued now acts with the new role.
        assert accounts.authenticate_token(session, people["fp-kaz"]).role == "secretariat"
    entry = _last_entry(sessions)
    assert (entry.actor, entry.action, entry.entity) == ("user:admin", "change_role", "user")
    assert entry.detail["before"] == {"role": "focal_point", "state": "KAZ"}
    assert entry.detail["role"] == "secretariat"

    refusals = [
        ({"role": "focal_point", "state": ""}, InvalidInput, "state"),
        ({"role": "observer", "state": "KAZ"}, InvalidInput, "state"),  # a member state
        ({"role": "admin", "state": "KAZ"}, InvalidInput, "state"),
        ({"role": "focal_point", "state": "ZZZ"}, InvalidInput, "state"),
        ({"role": "operator", "state": ""}, InvalidInput, "role"),
        ({"role": "chief", "state": ""}, InvalidInput, "role"),
    ]
    for change, error, field in refusals:
        with write_session(sessions) as session, pytest.raises(error) as refused:
            administration.change_role(session, actor=admin, name="fp-kaz", **change)
        assert [e.field for e in refused.value.errors] == [field], change
    with write_session(sessions) as session, pytest.raises(Conflict) as itself:
        administration.change_role(session, actor=admin, name="admin", role="observer", state="MNG")
    assert itself.value.errors[0].field == "name"
    with write_session(sessions) as session, pytest.raises(NotFound):
        administration.change_role(session, actor=admin, name="nobody", role="admin", state="")
    # A focal point may not, and nothing changes.
    fp = _principal(sessions, "fp-rus")
    with write_session(sessions) as session, pytest.raises(PermissionDenied):
        administration.change_role(session, actor=fp, name="fp-rus", role="admin", state="")
    with read_session(sessions) as session:
        assert accounts.get_user(session, name="fp-rus").role == "focal_point"


def test_lock_stops_sign_in_tokens_and_sessions_until_unlocked(
    sessions: sessionmaker[Session], people: dict[str, str]
) -> None:
    admin = _principal(sessions, "admin")
    with write_session(sessions) as session:
        user = accounts.get_user(session, name="fp-kaz")
        opened = browser_sessions.open_session(session, user_id=user.id, now=utcnow())
        user.failed_logins, user.locked_until = 5, utcnow() + timedelta(minutes=10)
    with read_session(sessions) as session:
        assert administration.standing(accounts.get_user(session, name="fp-kaz")) == (
            AccountStanding.LOCKED_OUT
        )
    with write_session(sessions) as session:
        administration.lock(session, actor=admin, name="fp-kaz")
    with read_session(sessions) as session:
        user = accounts.get_user(session, name="fp-kaz")
        assert administration.standing(user) == AccountStanding.LOCKED
        assert browser_sessions.current(session, session_id=opened.session_id, now=utcnow()) is None
        with pytest.raises(Unauthenticated):
            accounts.authenticate_token(session, people["fp-kaz"])
    assert (_last_entry(sessions).action, _last_entry(sessions).detail["sessions_ended"]) == (
        "lock",
        1,
    )
    with write_session(sessions) as session:
        administration.unlock(session, actor=admin, name="fp-kaz")
    with read_session(sessions) as session:
        user = accounts.get_user(session, name="fp-kaz")
        assert administration.standing(user) == AccountStanding.ACTIVE
        assert (user.failed_logins, user.locked_until) == (0, None)
        assert accounts.authenticate_token(session, people["fp-kaz"]).name == "fp-kaz"
    assert _last_entry(sessions).detail["before"] == "locked"
    with write_session(sessions) as session, pytest.raises(Conflict):
        administration.lock(session, actor=admin, name="admin")
    fp = _principal(sessions, "fp-rus")
    for act in (administration.lock, administration.unlock):
        with write_session(sessions) as session, pytest.raises(PermissionDenied):
            act(session, actor=fp, name="fp-kaz")


def test_one_token_is_revoked_by_its_owner_or_an_administrator(
    sessions: sessionmaker[Session], people: dict[str, str]
) -> None:
    admin, kaz, rus = (_principal(sessions, n) for n in ("admin", "fp-kaz", "fp-rus"))
    with write_session(sessions) as session:
        second = accounts.issue_token(
            session, actor=admin, user=accounts.get_user(session, name="fp-kaz"), ttl_days=5
        )
    with read_session(sessions) as session:
        tokens = administration.tokens_of(session, actor=kaz, name="fp-kaz")
        assert [t.hint for t in tokens] == [second.hint, people["fp-kaz"][:8]]
        assert [administration.token_state(t) for t in tokens] == [TokenState.ACTIVE] * 2
        # Only hashes are kept: no column holds the token itself.
        stored = session.execute(select(ApiToken)).scalars().all()
        assert all(second.token not in (t.token_hash, t.hint, t.label or "") for t in stored)
        with pytest.raises(PermissionDenied):
            administration.tokens_of(session, actor=rus, name="fp-kaz")
    first_id = tokens[1].id
    # Another focal point is told there is no such token (ids cannot be probed).
    with write_session(sessions) as session, pytest.raises(NotFound) as hidden:
        administration.revoke_token(session, actor=rus, token_id=first_id)
    assert hidden.value.errors[0].field == "token_id"
    with write_session(sessions) as session:
        administration.revoke_token(session, actor=kaz, token_id=first_id)
    entry = _last_entry(sessions)
    assert (entry.actor, entry.action, entry.detail["user"]) == (
        "user:fp-kaz",
        "revoke_token",
        "fp-kaz",
    )
    with read_session(sessions) as session:
        with pytest.raises(Unauthenticated):
            accounts.authenticate_token(session, people["fp-kaz"])
        assert accounts.authenticate_token(session, second.token).name == "fp-kaz"
    with write_session(sessions) as session, pytest.raises(Conflict):
        administration.revoke_token(session, actor=admin, token_id=first_id)
    with write_session(sessions) as session:
        administration.revoke_token(session, actor=admin, token_id=tokens[0].id)
    with read_session(sessions) as session, pytest.raises(Unauthenticated):
        accounts.authenticate_token(session, second.token)


def test_accounts_are_listed_to_administrators_only(
    sessions: sessionmaker[Session], people: dict[str, str]
) -> None:
    admin, kaz = _principal(sessions, "admin"), _principal(sessions, "fp-kaz")
    with read_session(sessions) as session:
        names = [u.name for u in administration.list_accounts(session, actor=admin).items]
        assert names == ["admin", "fp-kaz", "fp-rus"]
        page = administration.list_accounts(session, actor=admin, limit=2)
        rest = administration.list_accounts(session, actor=admin, cursor=page.next_cursor)
        assert [u.name for u in page.items + rest.items] == names
        focal = administration.list_accounts(session, actor=admin, role="focal_point", state="rus")
        assert [u.name for u in focal.items] == ["fp-rus"]
        with pytest.raises(InvalidInput) as bad:
            administration.list_accounts(session, actor=admin, role="boss")
        assert bad.value.errors[0].field == "role"
        with pytest.raises(PermissionDenied):
            administration.list_accounts(session, actor=kaz)
        with pytest.raises(PermissionDenied):
            administration.get_account(session, actor=kaz, name="admin")


def test_directory_lists_active_focal_points_per_member_state(
    sessions: sessionmaker[Session], people: dict[str, str]
) -> None:
    make_user(sessions, "sec-1", "secretariat")
    make_user(sessions, "obs-mng", "observer", "MNG")
    make_user(sessions, "bot-kaz", "system", "KAZ")
    admin, observer = _principal(sessions, "admin"), _principal(sessions, "obs-mng")
    with write_session(sessions) as session:
        accounts.get_user(session, name="fp-kaz").email = "ihr@kaz.example"
        administration.lock(session, actor=admin, name="fp-rus")
    with read_session(sessions) as session:
        found = directory.directory(session, actor=observer)
    by_state = {entry.state.iso3: [u.name for u in entry.contacts] for entry in found.states}
    assert by_state["KAZ"] == ["fp-kaz"]  # not the machine
    assert by_state["RUS"] == []  # locked: not a contact
    assert "MNG" not in by_state and len(by_state) >= 10
    assert [u.name for u in found.secretariat] == ["sec-1"]
