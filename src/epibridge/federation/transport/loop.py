"""Push and pull inside ``epibridge serve``: one round every EPIBRIDGE_FEDERATION_SYNC_SECONDS.

Started by ``runtime.background`` only when this database has a node identity (``federation
init``): with no federation set up no thread starts and no federation table is read. One
process per database runs the rounds (a file lock beside the SQLite file, an advisory lock of
its own on PostgreSQL), as the schedules do; the others stand by. A peer that failed waits a
growing backoff (``sync_once(only_due=True)``). A commit in this process that queued an
outbox message (a notification made through this server's API, or a message the inbox just
accepted, which the hub relays) wakes the loop at once for a round that exports and pushes
only; the full round, which pulls from every peer too, keeps its interval. So a message
leaves as soon as it is written, and a busy node does not pull from every peer for each one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import describe_error, is_unavailable, read_session
from epibridge.federation.transport.http import PeerClient
from epibridge.notifications.outbox.service import PUBLISHED
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


def _on_commit(session: Session) -> None:
    if session.info.pop(PUBLISHED, False):
        _wake.set()


@contextmanager
def woken_by_commits() -> Iterator[threading.Event]:
    """While inside, a commit in this process that queued an outbox message wakes the loop."""
    event.listen(Session, "after_commit", _on_commit)
    try:
        yield _wake
    finally:
        event.remove(Session, "after_commit", _on_commit)


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
        from epibridge.federation.transport.sync import client_for

        client = client_for(self.settings)
        interval = self.settings.federation_sync_seconds
        full_due = 0.0
        try:
            with woken_by_commits() as woken:
                while not self.stop_event.is_set():
                    woken.clear()
                    started = time.monotonic()
                    full = started >= full_due
                    if self.leadership.poll():
                        self._round(client, pull=full)
                    if full:
                        full_due = started + interval
                    woken.wait(max(0.0, full_due - time.monotonic()))
        finally:
            client.close()
            self.leadership.release()

    def _round(self, client: PeerClient, *, pull: bool) -> None:
        from epibridge.federation.transport.sync import sync_once

        try:
            sync_once(
                self.sessions,
                actor=ACTOR,
                settings=self.settings,
                client=client,
                only_due=True,
                pull=pull,
            )
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("federation: round skipped: %s", describe_error(exc))
            else:
                log.error("federation: round failed", exc_info=exc)
