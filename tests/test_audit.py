"""The audit log: written with every change, and tampering is caught.

The attacks below are made the way someone with database access (and no key files) would:
through a plain session that bypasses the application, editing rows and recomputing hashes.
"""

from __future__ import annotations

import json
import secrets
import stat
import threading
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from epibridge import audit
from epibridge.audit import AuditEntry, checkpoints
from epibridge.audit.keys import ChainKey, chain_key_id, load_chain_key
from epibridge.cli import app
from epibridge.db import (
    create_db_engine,
    make_sessionmaker,
    read_session,
    utcnow,
    write_session,
)
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


def _cli(settings: Settings, *args: str) -> Result:
    env = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "400",
    }
    return CliRunner().invoke(app, ["audit", *args], env=env)


def _said(result: Result) -> str:
    """The command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def _engine(sessions: sessionmaker[Session]) -> Engine:
    bind = sessions.kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def _rewrite_from(
    sessions: sessionmaker[Session],
    victim: int,
    *,
    key: ChainKey | None,
    key_id: str | None,
) -> None:
    """Change entry ``victim``'s actor and recompute every later hash with ``key``.

    ``key=None`` is the attack that passed before the chain was keyed: plain SHA-256.
    """
    with Session(_engine(sessions)) as session, session.begin():
        prev = audit.GENESIS_HASH
        for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
            if entry.id >= victim:
                if entry.id == victim:
                    entry.actor = "mallory"
                entry.prev_hash = prev
                entry.key_id = key_id
                entry.hash = audit.entry_hash(
                    key,
                    prev_hash=prev,
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    entity=entry.entity,
                    entity_id=entry.entity_id,
                    digest=entry.digest,
                )
                session.flush()
            prev = entry.hash


def _ids(sessions: sessionmaker[Session]) -> list[int]:
    with read_session(sessions) as session:
        return list(session.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars())


def _checkpoint_lines(settings: Settings) -> list[dict[str, object]]:
    path = audit.checkpoint_file(settings)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_every_write_is_chained(settings: Settings, sessions: sessionmaker[Session]) -> None:
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
    key = load_chain_key(settings.var_dir / "keys", create=False)
    assert key is not None and {e.key_id for e in entries} == {key.key_id}


def test_failed_write_leaves_no_entry(sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice")
    with read_session(sessions) as session:
        before = audit.count_entries(session)
    with pytest.raises(Conflict):
        _create_users(sessions, "alice")
    with read_session(sessions) as session:
        assert audit.count_entries(session) == before


def test_untouched_log_verifies_with_its_checkpoints(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _create_users(sessions, "alice", "bob", "carol")
    written = _cli(settings, "checkpoint")
    assert written.exit_code == 0, written.output
    assert "7 entries up to entry" in _said(written)
    _create_users(sessions, "dave")
    intact = _cli(settings, "verify")
    assert intact.exit_code == 0, intact.output
    said = _said(intact)
    assert "audit chain intact: 9 entries verified" in said
    assert "2 written since are not yet covered" in said


def test_verify_catches_an_edit_behind_the_applications_back(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _create_users(sessions, "alice", "bob", "carol")
    victim = _ids(sessions)[3]
    with write_session(sessions) as session:
        # Someone with database access rewrites who did it, leaving hashes alone.
        session.execute(update(AuditEntry).where(AuditEntry.id == victim).values(actor="mallory"))
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1
    assert f"broken at entry {victim}: its hash does not match" in _said(broken)


def test_verify_catches_a_deleted_row(sessions: sessionmaker[Session]) -> None:
    _create_users(sessions, "alice", "bob")
    ids = _ids(sessions)
    with write_session(sessions) as session:
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


@pytest.mark.parametrize("then_write", [False, True], ids=["truncated", "truncated-and-refilled"])
def test_a_removed_tail_up_to_a_checkpoint_is_caught(
    settings: Settings, sessions: sessionmaker[Session], then_write: bool
) -> None:
    _create_users(sessions, "alice", "bob", "carol")
    assert _cli(settings, "checkpoint").exit_code == 0
    line = len(_checkpoint_lines(settings))
    ids = _ids(sessions)
    with Session(_engine(sessions)) as session, session.begin():
        session.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": ids[-3]})
    if then_write:  # new entries after the cut (SQLite even reuses the removed ids)
        _create_users(sessions, "dave")
    with read_session(sessions) as session:
        assert audit.verify_chain(session)[1] is None  # the chain alone cannot tell
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1, broken.output
    said = _said(broken)
    assert f"audit checkpoint on line {line} (" in said
    assert f"7 entries up to entry {ids[-1]}" in said
    assert "removed" in said


@pytest.mark.parametrize("mark", ["keeps-key-id", "unkeyed"])
def test_a_rewrite_recomputed_with_plain_sha256_is_caught(
    settings: Settings, sessions: sessionmaker[Session], mark: str
) -> None:
    _create_users(sessions, "alice", "bob", "carol")
    ids = _ids(sessions)
    victim = ids[3]
    with read_session(sessions) as session:
        key_id = session.get(AuditEntry, victim).key_id  # type: ignore[union-attr]
    _rewrite_from(sessions, victim, key=None, key_id=key_id if mark == "keeps-key-id" else None)
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1, broken.output
    said = _said(broken)
    assert f"audit chain broken at entry {victim}:" in said
    if mark == "unkeyed":
        assert "plain SHA-256 hash after keyed entries" in said


@pytest.mark.parametrize("named", ["real-key-id", "own-key-id"])
def test_a_rewrite_with_another_key_is_caught(
    settings: Settings, sessions: sessionmaker[Session], named: str
) -> None:
    _create_users(sessions, "alice", "bob")
    victim = _ids(sessions)[2]
    real = load_chain_key(settings.var_dir / "keys", create=False)
    assert real is not None
    secret = secrets.token_bytes(32)
    key_id = real.key_id if named == "real-key-id" else chain_key_id(secret)
    forged = ChainKey(key_id=key_id, secret=secret)
    _rewrite_from(sessions, victim, key=forged, key_id=forged.key_id)
    with read_session(sessions) as session:
        _, chain_break = audit.verify_chain(session)
    assert chain_break is not None and chain_break.entry_id == victim
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1
    assert f"audit chain broken at entry {victim}:" in _said(broken)


@pytest.mark.parametrize("covered", [False, True], ids=["after-checkpoint", "checkpointed"])
def test_with_the_key_only_checkpointed_entries_are_safe(settings: Settings, covered: bool) -> None:
    """What the README says of someone holding the chain key: the chain accepts their rewrite,
    and only a checkpoint (signed with the other key) still catches it."""
    frozen = audit.trail_for(settings, clock=lambda: 0.0)  # one checkpoint, at the first write
    engine = create_db_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine, audit=frozen)
        _create_users(sessions, "alice", "bob")  # the checkpoint covers alice, not bob
        ids = _ids(sessions)
        victim = ids[2] if covered else ids[-1]
        real = load_chain_key(settings.var_dir / "keys", create=False)
        assert real is not None
        _rewrite_from(sessions, victim, key=real, key_id=real.key_id)
        with read_session(sessions) as session:
            assert audit.verify_chain(session)[1] is None
    finally:
        engine.dispose()
    result = _cli(settings, "verify")
    assert result.exit_code == (1 if covered else 0), result.output
    if covered:
        assert f"3 entries up to entry {ids[2]}" in _said(result)


@pytest.mark.parametrize("forgery", ["altered", "own-key"])
def test_a_forged_checkpoint_line_is_caught(
    settings: Settings, sessions: sessionmaker[Session], forgery: str
) -> None:
    _create_users(sessions, "alice")
    assert _cli(settings, "checkpoint").exit_code == 0
    lines = _checkpoint_lines(settings)
    forged = dict(lines[-1])
    if forgery == "altered":  # a real line with its head moved back to hide a removed tail
        forged["count"] = int(forged["count"]) - 1  # type: ignore[call-overload]
    else:  # a line signed with another Ed25519 key
        from epibridge.audit.keys import load_signer

        other = load_signer(settings.var_dir.parent / "other-keys", create=True)
        assert other is not None
        head = checkpoints.parse(json.dumps(forged), line=0).head
        forged = json.loads(checkpoints.sign(head, at=utcnow(), signer=other).to_line())
    with audit.checkpoint_file(settings).open("a") as stream:
        stream.write(json.dumps(forged) + "\n")
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1, broken.output
    said = _said(broken)
    assert f"audit checkpoint on line {len(lines) + 1} (" in said
    assert ("signature does not verify" if forgery == "altered" else "signed with key") in said


def test_a_removed_checkpoint_file_is_caught(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _create_users(sessions, "alice")
    audit.checkpoint_file(settings).unlink()
    broken = _cli(settings, "verify")
    assert broken.exit_code == 1
    assert "audit checkpoints: none in" in _said(broken)


def test_checkpoints_are_written_after_writes_once_the_interval_has_passed(
    settings: Settings,
) -> None:
    now = [1000.0]
    trail = audit.trail_for(settings, clock=lambda: now[0])
    engine = create_db_engine(settings.database_url)
    try:
        sessions = make_sessionmaker(engine, audit=trail)
        before = len(_checkpoint_lines(settings))
        _create_users(sessions, "alice")  # a process's first write checkpoints at once
        lines = _checkpoint_lines(settings)
        assert len(lines) == before + 1
        with read_session(sessions) as session:
            # written after the commit: the head includes the write that triggered it
            assert lines[-1]["count"] == audit.count_entries(session) == 3
        now[0] += settings.audit_checkpoint_interval - 1
        _create_users(sessions, "bob")
        assert len(_checkpoint_lines(settings)) == before + 1
        now[0] += 2
        _create_users(sessions, "carol")
        lines = _checkpoint_lines(settings)
        assert len(lines) == before + 2
        assert lines[-1]["count"] == 7 and lines[-1]["last_id"] == _ids(sessions)[-1]
        now[0] += settings.audit_checkpoint_interval + 1
        with write_session(sessions):
            pass  # a write session that audited nothing: the head has not moved
        assert len(_checkpoint_lines(settings)) == before + 2
        assert _cli(settings, "verify").exit_code == 0
    finally:
        engine.dispose()


def test_key_files_are_private_and_created_on_first_use(settings: Settings, tmp_path: Path) -> None:
    fresh = settings.model_copy(update={"var_dir": tmp_path / "fresh-var"})
    keys = fresh.var_dir / "keys"
    engine = create_db_engine(fresh.database_url)
    try:
        sessions = make_sessionmaker(engine, audit=audit.trail_for(fresh))
        assert not keys.exists()
        _create_users(sessions, "alice")
    finally:
        engine.dispose()
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    for name in ("audit-chain.key", "audit-checkpoint.key"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name
    assert (keys / "audit-checkpoint.pub").read_text().startswith("-----BEGIN PUBLIC KEY")
    assert audit.checkpoint_file(fresh).is_file()
    assert sorted(p.name for p in keys.iterdir() if p.name.startswith(".")) == []


def test_processes_starting_at_once_share_one_chain_key(tmp_path: Path) -> None:
    found: list[str] = []

    def load() -> None:
        key = load_chain_key(tmp_path / "keys", create=True)
        assert key is not None
        found.append(key.key_id)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1


def test_entries_from_before_the_keys_still_verify(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A deployment upgraded to 0014: its old entries are plain SHA-256, with no key files yet."""
    first = _ids(sessions)[0]
    _rewrite_from(sessions, first, key=None, key_id=None)  # every entry made a pre-0014 one
    upgraded = settings.model_copy(update={"var_dir": tmp_path / "upgraded-var"})
    assert _cli(upgraded, "verify").exit_code == 0
    engine = create_db_engine(upgraded.database_url)
    try:
        _create_users(make_sessionmaker(engine, audit=audit.trail_for(upgraded)), "alice")
    finally:
        engine.dispose()
    intact = _cli(upgraded, "verify")
    assert intact.exit_code == 0, intact.output
    assert "3 entries verified, 1 checkpoints verified" in _said(intact)
