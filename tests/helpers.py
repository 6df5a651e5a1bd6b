"""Small helpers shared by test modules (accounts with tokens, JSON posting)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.members import accounts
from epibridge.members.schemas import UserCreate
from epibridge.security import operator_principal

#: The console's principal in tests: audited as ``operator:test``.
OPERATOR = operator_principal("test")


def make_user(
    sessions: sessionmaker[Session],
    name: str,
    role: str,
    state: str | None = None,
    *,
    password: str | None = None,
    ttl_days: int = 30,
) -> str:
    """Create an account and return its API token."""
    with write_session(sessions) as session:
        _, issued = accounts.create_user(
            session,
            actor=OPERATOR,
            data=UserCreate(name=name, role=role, state=state, password=password),  # type: ignore[arg-type]
            token_ttl_days=ttl_days,
        )
    return issued.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


#: For the long command-line walks (dozens of steps, each through the console script's entry
#: point: tests/support/cli.py): they run on SQLite only. The commands are faces over services
#: whose rules run on both databases in the service and API tests; the PostgreSQL half of these
#: walks checked nothing those tests do not (when each step was its own process, it cost about
#: three minutes of the suite).
CLI_WALK_ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
