"""A hub on the test's database, and national nodes' keys made beside it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker, write_session
from epibridge.federation import handlers, hub, keys, trust
from epibridge.federation.messages import Envelope, node_principal
from epibridge.security import operator_principal
from epibridge.settings import Settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
OPERATOR = operator_principal("tester")
#: A topic only the tests know (``ping_topic``): its applier writes one audit entry.
PING = "test.ping"


def apply_ping(session: Session, message: Envelope) -> None:
    """One audit entry per applied message, so applying one twice would show."""
    int(message.body["n"])  # a body without a number does not fit the topic
    audit.record(
        session,
        actor=node_principal(message.origin_node, message.origin_state).actor,
        action=PING,
        entity="ping",
        entity_id=message.id,
        state=message.body,
    )


@pytest.fixture
def ping_topic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The handlers know ``PING`` for the test."""
    builders, appliers = handlers._tables()
    monkeypatch.setattr(handlers, "_tables", lambda: (builders, {**appliers, PING: apply_ping}))
    yield


@dataclass
class Hub:
    sessions: sessionmaker[Session]
    keys_dir: Path
    key: keys.NodeKey

    def revoke(self, session: Session, node_id: str, kid: str) -> None:
        """Revoke ``kid`` of ``node_id`` in the caller's transaction."""
        hub.revoke(
            session,
            principal=OPERATOR,
            node_id=node_id,
            kid=kid,
            keys_dir=self.keys_dir,
            now=NOW,
        )

    def trust(self, node_id: str, state: str, key: keys.NodeKey, *, now: datetime = NOW) -> None:
        with write_session(self.sessions) as session:
            hub.add_node(
                session,
                principal=OPERATOR,
                node_id=node_id,
                state=state,
                url=f"https://{node_id}.example.org",
                jwk=keys.jwk_line(key.key),
                keys_dir=self.keys_dir,
                now=now,
            )


@pytest.fixture
def the_hub(settings: Settings, sessions: sessionmaker[Session]) -> Hub:
    keys_dir = keys.keys_dir(settings.var_dir)
    with write_session(sessions) as session:
        key = trust.init_node(
            session,
            principal=OPERATOR,
            node_id="hub",
            url="https://hub.example.org",
            state=None,
            hub=True,
            keys_dir=keys_dir,
            now=NOW,
        )
    return Hub(sessions, keys_dir, key)


@pytest.fixture
def kaz_key(tmp_path: Path) -> keys.NodeKey:
    return keys.generate(tmp_path / "kaz-keys")


@pytest.fixture
def kaz(the_hub: Hub, kaz_key: keys.NodeKey) -> keys.NodeKey:
    """KAZ's node key, trusted by the hub."""
    the_hub.trust("kaz-node", "KAZ", kaz_key)
    return kaz_key


@dataclass
class Node:
    """A national node on its own SQLite database (a copy of the migrated template)."""

    settings: Settings
    sessions: sessionmaker[Session]
    keys_dir: Path
    key: keys.NodeKey
    node_id: str


def copy_database(template: Path, folder: Path) -> Settings:
    """A second deployment: its own migrated SQLite file and var folder."""
    folder.mkdir(parents=True)
    shutil.copyfile(template, folder / "node.db")
    shutil.copytree(template.parent / "var", folder / "var")
    return Settings(
        database_url=f"sqlite:///{folder / 'node.db'}",
        var_dir=folder / "var",
        secret_key="test-secret",
        federation_allowed_networks="127.0.0.0/8",
    )


def make_node(template: Path, folder: Path, node_id: str, state: str) -> Iterator[Node]:
    settings = copy_database(template, folder)
    engine = create_db_engine(settings.database_url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    keys_dir = keys.keys_dir(settings.var_dir)
    with write_session(sessions) as session:
        key = trust.init_node(
            session,
            principal=OPERATOR,
            node_id=node_id,
            url=f"https://{node_id}.example.org",
            state=state,
            hub=False,
            keys_dir=keys_dir,
            now=NOW,
        )
    try:
        yield Node(settings, sessions, keys_dir, key, node_id)
    finally:
        engine.dispose()


@pytest.fixture
def kaz_node(sqlite_template: Path, tmp_path: Path) -> Iterator[Node]:
    """KAZ's own node (always SQLite: the hub's database is the one that varies)."""
    yield from make_node(sqlite_template, tmp_path / "kaz", "kaz-node", "KAZ")


# The three real nodes of the end-to-end tests (fedsync), shared by the session.
from tests.federation.nodes import pg_nodes, sqlite_nodes  # noqa: E402, F401
