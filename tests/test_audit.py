"""The audit log: written with every change, and tampering is caught."""

from __future__ import annotations

from itertools import pairwise

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge import audit
from epibridge.audit import AuditEntry
from epibridge.cli import app
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict
from epibridge.members import accounts
from epibridge.members.schemas import UserCreate
from epibridge.settings import Settings
from tests.helpers import OPERATOR


def _create_users(sessions: sessionmaker[Session], *names: str) -> None:
    for name in names:
        with write_session(sessions) as session:
            accounts.create_user(
                session,
                actor=OPERATOR,
                data=UserCreate(name=name, role="secretariat"),
                token_ttl_days=1,
            )


def test_every_write_is_chained(sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice", "bob")
    with read_session(sessions) as session:
        entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
        checked, broken = audit.verify_chain(session)
    # profile load + (user + token) per user
    assert [e.action for e in entries] == [
        "load_profile",
        "create",
        "issue_token",
        "create",
        "issue_token",
    ]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    for before, after in pairwise(entries):
        assert after.prev_hash == before.hash
    assert entries[1].detail["name"] == "alice" and entries[1].actor == "operator:test"
    assert checked == 5 and broken is None


def test_failed_write_leaves_no_entry(sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice")
    with read_session(sessions) as session:
        before = audit.count_entries(session)
    with pytest.raises(Conflict):
        _create_users(sessions, "alice")
    with read_session(sessions) as session:
        assert audit.count_entries(session) == before


def test_verify_catches_an_edit_behind_the_applications_back(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _create_users(sessions, "alice", "bob", "carol")
    runner = CliRunner()
    env = {"EPIBRIDGE_DATABASE_URL": settings.database_url}
    intact = runner.invoke(app, ["audit", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    assert "7 entries verified" in intact.output

    with write_session(sessions) as session:
        victim = (
            session.execute(
                select(AuditEntry.id).where(AuditEntry.action == "create").order_by(AuditEntry.id)
            )
            .scalars()
            .all()[1]
        )
        # Someone with database access rewrites who did it, leaving hashes alone.
        session.execute(update(AuditEntry).where(AuditEntry.id == victim).values(actor="mallory"))

    broken = runner.invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert f"broken at entry {victim}" in broken.output


def test_verify_catches_a_deleted_row(settings: Settings, sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice", "bob")
    with write_session(sessions) as session:
        ids = session.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars().all()
        session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[2]})
    with read_session(sessions) as session:
        _, broken = audit.verify_chain(session)
    assert broken is not None and broken.entry_id == ids[3]
    assert "previous" in broken.reason


def test_verify_catches_edited_detail(sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice")
    with write_session(sessions) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "create")
        ).scalar_one()
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(detail={**entry.detail, "role": "admin"})
        )
    with read_session(sessions) as session:
        _, broken = audit.verify_chain(session)
    assert broken is not None and broken.entry_id == entry.id
    assert "digest" in broken.reason
