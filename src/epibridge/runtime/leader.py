"""One leader per database runs the schedules; every other process stands by and re-tries.

PostgreSQL (several app servers): a session-level advisory lock, ``pg_try_advisory_lock``, taken
on a connection of its own (outside the pool, autocommit, with TCP keepalives) and held for as
long as the process leads. The server drops the lock when that connection ends: the process
exited or was killed, its host vanished (keepalives notice within about 25 s), or an
administrator terminated the backend. Each ``poll`` of the leader runs ``SELECT 1`` on the
connection; an error means the lock may be gone, so leadership is given up at once and tried
again on the next poll. The lock is per database, so deployments sharing a server do not
compete.

SQLite (one host): an exclusive ``flock`` on ``VAR_DIR/scheduler.lock``, no table. The kernel
releases it when the process ends, however it ends. The file holds the leader's process id, for
the operator's eyes only.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from epibridge.db import describe_error
from epibridge.settings import Settings

log = logging.getLogger("epibridge.scheduler")

#: The advisory lock's key: a fixed 64-bit number derived from the name (any process agrees).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"epibridge.scheduler").digest()[:8], "big", signed=True)
LOCK_FILE = "scheduler.lock"


class Leadership(ABC):
    """Whether this process leads; ``poll`` keeps, checks or tries to take the leadership."""

    #: How the leader is elected, for the log and the health endpoint's readers.
    method = ""

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this process led at its last poll."""

    @abstractmethod
    def poll(self) -> bool:
        """Take the leadership if free, check it if held; return whether it is held now."""

    @abstractmethod
    def release(self) -> None:
        """Give the leadership up (another process may take it at its next try)."""


class PostgresLeadership(Leadership):
    method = "PostgreSQL advisory lock"

    def __init__(self, database_url: str, *, key: int = LOCK_KEY) -> None:
        url = make_url(database_url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        self.key = key
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "application_name": "epibridge scheduler",
                "connect_timeout": 5,
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def poll(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception as exc:
                log.warning("scheduler: leadership lost (%s)", describe_error(exc))
                self._drop()
                return False
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception as exc:
            log.debug("scheduler: cannot reach the database to elect a leader: %s", exc)
            return False
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar()
        except Exception:
            connection.close()
            return False
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()  # never back to a pool: the session (and lock) ends
                connection.close()
            except Exception:
                log.debug("scheduler: closing the lost leader connection failed", exc_info=True)

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except Exception:
                log.debug("scheduler: unlock failed (the connection's end releases it)")
            self._drop()
        self._engine.dispose()


class FileLeadership(Leadership):
    method = "file lock"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def poll(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Per open file, not per process: two schedulers of one process elect one too.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def leadership_for(settings: Settings) -> Leadership:
    """The election of this deployment's database: advisory lock on PostgreSQL, else a file."""
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return PostgresLeadership(settings.database_url)
    return FileLeadership(settings.var_dir / LOCK_FILE)
