"""Push and pull inside ``epibridge serve``: one round every EPIBRIDGE_FEDERATION_SYNC_SECONDS.

Started by ``runtime.background`` only when this database has a node identity (``federation
init``): with no federation set up no thread starts and no federation table is read. One
process per database runs the rounds (a file lock beside the SQLite file, an advisory lock of
its own on PostgreSQL), as the schedules do; the others stand by. A peer that failed waits a
growing backoff (``sync_once(only_due=True)``). A message the inbox just accepted for relay
wakes the loop at once, so the hub passes it on without waiting for the next round.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import describe_error, is_unavailable, read_session
from epibridge.runtime.leader import FileLeadership, Leadership, PostgresLeadership
from epibridge.security import system_principal
from epibridge.settings import Settings

log = logging.getLogger("epibridge.federation")
ACTOR = system_principal("federation")
LOCK_KEY = int.from_bytes(hashlib.sha256(b"epibridge.federation").digest()[:8], "big", signed=True)
LOCK_FILE = "federation.lock"
_wake = threading.Event()


def wake() -> None:
    """Ask the running loop (if any, in this process) for a round now."""
    _wake.set()


def configured(sessions: sessionmaker[Session]) -> bool:
    """Whether this database has a node identity (read once, when the server starts)."""
    from epibridge.federation.transport import core

    try:
        with read_session(sessions) as session:
            return core.me(session) is not None
    except Exception as exc:  # no schema yet, database away: no federation loop
        log.debug("federation: not started (%s)", describe_error(exc))
        return False


def leadership_for(settings: Settings) -> Leadership:
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return PostgresLeadership(settings.database_url, key=LOCK_KEY)
    return FileLeadership(settings.var_dir / LOCK_FILE)


class SyncLoop:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self.leadership = leadership_for(settings)
        self.stop_event = threading.Event()

    def stop(self) -> None:
        self.stop_event.set()
        _wake.set()

    def run(self) -> None:
        from epibridge.federation.transport.sync import client_for, sync_once

        client = client_for(self.settings)
        interval = self.settings.federation_sync_seconds
        try:
            while not self.stop_event.is_set():
                _wake.clear()
                if self.leadership.poll():
                    try:
                        sync_once(
                            self.sessions,
                            actor=ACTOR,
                            settings=self.settings,
                            client=client,
                            only_due=True,
                        )
                    except Exception as exc:
                        if is_unavailable(exc):
                            log.warning("federation: round skipped: %s", describe_error(exc))
                        else:
                            log.error("federation: round failed", exc_info=exc)
                _wake.wait(interval)
        finally:
            client.close()
            self.leadership.release()
