"""Engine, sessions and the declarative base shared by every domain.

SQLite is the embedded default (WAL journal, foreign keys on, a busy timeout so that
concurrent writers queue instead of failing); PostgreSQL through psycopg 3 in production.
Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so two writers never deadlock
while upgrading a read lock.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Engine,
    MetaData,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from epibridge.vocabulary import members_of

#: Seconds a SQLite statement waits for a lock another connection holds before failing.
BUSY_TIMEOUT = 30.0

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every ORM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no timezone type; without this, values read back would be naive and compare
    wrongly with aware ones.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timezone", True)
        super().__init__(*args, **kwargs)

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[StrEnum]):
    """A column holding one closed vocabulary: stored as the member's string, read as the member.

    The database column stays a plain ``VARCHAR`` (what the migrations created); its CHECK
    constraint comes from ``check_in`` with the same members. ``allowed`` narrows what the
    table stores when some members are only ever computed (a request reads as "fulfilled" but
    is stored "open"); ``tests/test_vocabularies.py`` compares it with the migrated databases.
    """

    impl = String
    cache_ok = True

    def __init__(
        self, enum: type[StrEnum], length: int, *, allowed: Iterable[StrEnum] | None = None
    ) -> None:
        super().__init__(length)
        self.enum = enum
        self.allowed = members_of(enum if allowed is None else allowed)

    @property
    def python_type(self) -> type[StrEnum]:
        return self.enum

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        # A plain str too: filters take what a query string said; the CHECK refuses the rest.
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def check_in(column: str, values: type[StrEnum] | Iterable[StrEnum]) -> CheckConstraint:
    """The CHECK constraint ``column IN (...)`` of a vocabulary, named ``ck_<table>_<column>``.

    Written from the enum so the models cannot list other values than the code uses. It allows
    what the migrations' constraints allow (a NULL passes any CHECK, so ``x IS NULL OR x IN``
    is the same rule), so no migration follows from it.
    """
    listed = ", ".join("'" + member.value.replace("'", "''") + "'" for member in members_of(values))
    return CheckConstraint(f"{column} IN ({listed})", name=column)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def create_db_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for ``database_url`` with the pragmas and pools each backend needs."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT}
        )
        _configure_sqlite(engine)
        return engine
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            begin_immediate(connection.connection.dbapi_connection)
        else:
            connection.exec_driver_sql(f"BEGIN {mode}")


def begin_immediate(dbapi_connection: Any, timeout: float = BUSY_TIMEOUT) -> None:
    """Take SQLite's write lock, polling every 0.1-1 ms while another writer holds it.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between tries, so a
    writer that has waited a little sleeps on while the lock is free and others take it: with
    the API and a worker writing at once the lock stood idle for much of a burst. Polling at
    a fine step keeps the lock busy; the wait is bounded by the same timeout as before.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=0")
        deadline = time.monotonic() + timeout
        pause = 0.0001
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.001)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()


#: Key of ``Session.info`` holding the audit trail of a sessionmaker's sessions.
AUDIT_TRAIL = "epibridge.audit_trail"


class CommitObserver(Protocol):
    """What ``write_session`` tells after each commit (the audit trail, for its checkpoints)."""

    def after_commit(self, factory: sessionmaker[Session]) -> None: ...


def make_sessionmaker(
    engine: Engine, *, audit: CommitObserver | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``audit`` (``audit.trail_for(settings)``) for sessions that write.

    The trail travels in each session's ``info``, so ``audit.record`` finds the chain key
    without a module-level global and each deployment's settings stay its own.
    """
    info: dict[str, Any] = {AUDIT_TRAIL: audit} if audit is not None else {}
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info)


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session for a write: committed on success, rolled back on any error.

    On SQLite the transaction takes the write lock at once, so concurrent writers wait for
    each other (busy timeout) instead of failing halfway. After a commit, and outside the
    transaction and the lock, the audit trail may checkpoint the chain's head (at most once a
    minute; otherwise this costs one clock comparison).
    """
    local = _local_writers(factory)
    if local is not None and not local.acquire(timeout=BUSY_TIMEOUT):
        raise sqlite3.OperationalError("database is locked")
    session = factory()
    try:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        if local is not None:
            local.release()
    observer: CommitObserver | None = session.info.get(AUDIT_TRAIL)
    if observer is not None:
        observer.after_commit(factory)


_LOCAL_WRITERS: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()


def _local_writers(factory: sessionmaker[Session]) -> threading.Lock | None:
    """The lock that queues this process's SQLite writers (None on PostgreSQL).

    Only one thread per process then polls SQLite for its write lock (``begin_immediate``);
    the others wait here without using the CPU, rather than spinning against each other.
    A plain lock, not an ``RLock``: the API's session dependency may commit on another thread
    than the one that began (a nested write in one thread waits out the timeout, as it did on
    SQLite's own lock).
    """
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return None
    lock = _LOCAL_WRITERS.get(bind)
    if lock is None:
        lock = _LOCAL_WRITERS.setdefault(bind, threading.Lock())
    return lock


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session for reading only; nothing it does is committed."""
    session = factory()
    try:
        yield session
    finally:
        # close() ends the transaction without expiring what was loaded, so objects read here
        # stay usable after the block.
        session.close()


#: SQLite's words for "the file cannot be used now" (not "your SQL is wrong"): busy past the
#: timeout, the file or its folder gone or unreadable, the disk failing or full.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "readonly database",
)
#: PostgreSQL SQLSTATEs that mean the server cannot serve now: connection exceptions (08xxx),
#: shutting down / cannot connect now (57P01-57P03), too many connections (53300).
_PG_UNAVAILABLE_CLASSES = ("08",)
_PG_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or used now (not a bug in a query).

    Such errors become 503 with Retry-After in the API and one log line in the worker; every
    other database error stays a 500 with its traceback, since retrying will not fix it.
    """
    if isinstance(exc, sqlite3.OperationalError):  # raised as is by ``write_session``'s queue
        return any(words in str(exc).lower() for words in _SQLITE_UNAVAILABLE)
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    original = exc.orig
    if isinstance(original, sqlite3.Error):
        text = str(original).lower()
        return any(words in text for words in _SQLITE_UNAVAILABLE)
    state = getattr(original, "sqlstate", None)
    if state is None:
        return True  # psycopg: the connection could not be made at all (no server answered)
    return state.startswith(_PG_UNAVAILABLE_CLASSES) or state in _PG_UNAVAILABLE_STATES


def describe_error(exc: BaseException) -> str:
    """A one-line reason for logs and health, without the statement or its parameters."""
    original = getattr(exc, "orig", None) or exc
    words = str(original).strip()
    first = words.splitlines()[0] if words else ""
    return f"{type(original).__name__}: {first}"[:300]
