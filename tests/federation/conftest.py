"""A hub on the test's database, and national nodes' keys made beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
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
