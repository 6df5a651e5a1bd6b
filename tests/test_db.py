"""Storage behaviour the rest of the system relies on."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text
from sqlalchemy.exc import StatementError

from epibridge.db import (
    UTCDateTime,
    begin_immediate,
    create_db_engine,
    make_sessionmaker,
    read_session,
    write_session,
)


def _sqlite(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_write_sessions_take_the_write_lock_up_front(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    sessions = make_sessionmaker(engine)
    other = sqlite3.connect(tmp_path / "x.db", timeout=0, isolation_level=None)
    with write_session(sessions), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    with read_session(sessions) as session:
        session.execute(text("SELECT x FROM t")).all()
        other.execute("BEGIN IMMEDIATE")  # readers never block a writer
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_sqlite_writer_waits_for_the_lock_then_times_out(tmp_path: Path) -> None:
    engine = _sqlite(tmp_path)
    sessions = make_sessionmaker(engine)
    other = sqlite3.connect(
        tmp_path / "x.db", timeout=0, isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    # The other writer commits while this one polls for the lock: it gets it and writes.
    releaser = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    releaser.start()
    with write_session(sessions) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    releaser.join()
    # A lock that is never released: the wait ends with SQLite's own error, nothing written.
    other.execute("BEGIN IMMEDIATE")
    raw = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(raw, timeout=0.1)
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    other.execute("ROLLBACK")
    with read_session(sessions) as session:
        assert session.execute(text("SELECT x FROM t")).scalars().all() == [1]
    raw.close()
    other.close()
    engine.dispose()


def test_timestamps_round_trip_as_aware_utc(db_url: str) -> None:
    engine = create_db_engine(db_url)
    table = Table(
        "stamps", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime())
    )
    table.create(engine)
    plus5 = datetime(2024, 5, 21, 15, 30, 0, 123456, tzinfo=timezone(timedelta(hours=5)))
    with engine.begin() as connection:
        connection.execute(table.insert().values(id=1, at=plus5))
        with pytest.raises(StatementError, match="naive"):
            connection.execute(table.insert().values(id=2, at=datetime(2024, 1, 1)))
    with engine.connect() as connection:
        stored = connection.execute(select(table.c.at)).scalar_one()
    assert stored == plus5 and stored.tzinfo == UTC
    assert stored.hour == 10 and stored.microsecond == 123456
    engine.dispose()
