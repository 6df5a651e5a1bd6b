"""Every service writer refuses a plain string and a look-alike principal, writing nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.errors import Forbidden
from epibridge.security import PermissionDenied
from tests.principals.scan import (
    ANONYMOUS_READERS,
    HELPERS,
    LOOKALIKE,
    NAME_RECORDERS,
    NOT_CALLED,
    READERS,
    service_functions,
)
from tests.principals.seed import footprint, seed
from tests.principals.writers import writers


def test_every_writer_is_called_or_excused() -> None:
    """A new service function must be classified here: reader, helper, or a writer called."""
    called = set(writers(_FAKE_SEED))
    found = set(service_functions()) - NAME_RECORDERS - ANONYMOUS_READERS - READERS - HELPERS
    assert found - set(NOT_CALLED) == called
    assert not (called - set(service_functions()))


class _AnySeed(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return 0


_FAKE_SEED = _AnySeed()


def test_writers_refuse_what_is_not_a_principal(sessions: sessionmaker[Session]) -> None:
    seeded = seed(sessions)
    before = footprint(sessions)
    failures = []
    for name, call in writers(seeded).items():
        for fake in ("cli", LOOKALIKE):
            try:
                with write_session(sessions) as session:
                    call(session, fake)
            except (TypeError, PermissionDenied, Forbidden):
                pass
            except Exception as exc:  # every other outcome is a failure, reported below
                failures.append(f"{name} with {fake!r}: {type(exc).__name__}: {exc}")
            else:
                failures.append(f"{name} accepted {fake!r}")
            if footprint(sessions) != before:
                failures.append(f"{name} wrote with {fake!r}")
                before = footprint(sessions)
    assert not failures, "\n".join(failures)
