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
from epibridge.federation import hub, keys, trust
from epibridge.security import operator_principal
from epibridge.settings import Settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
OPERATOR = operator_principal("tester")


@dataclass
class Hub:
    sessions: sessionmaker[Session]
    keys_dir: Path
    key: keys.NodeKey

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
