"""Copying checked rows to PostgreSQL while the rest of the file is still being checked.

A PostgreSQL import spends most of its time in the server (the heap and the primary key's
B-tree), the client most of its own reading and checking. They are separate processes, so on
two cores they can work at the same time: each batch that passes is encoded and queued to a
binary ``COPY`` that a worker thread feeds to the server, and the next batch is read
and checked meanwhile. All of it happens inside the caller's transaction, so nothing is
visible until the commit, and a bad row found later aborts the ``COPY`` and the transaction.

Rows are sorted by primary key within each batch: appending to the right edge of the B-tree
is much cheaper for the server than inserting all over it.
"""

from __future__ import annotations

import queue
import threading
from datetime import datetime
from types import TracebackType
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from epibridge.epidata import pgcopy
from epibridge.epidata.storage import OBS_COLUMNS, driver_connection


def one_pass(bind: Engine | Connection) -> bool:
    """Whether files are checked and copied in one pass on this database: PostgreSQL.

    The one place the choice is made. PostgreSQL takes a binary ``COPY`` while the client
    checks the next block and holds only the submitting state's lock meanwhile; SQLite has one
    writer for the whole database, so there a file is checked before the write lock is taken
    (a writer thread in the same process was measured slower: docs/epidata.md).
    """
    return bind.dialect.name == "postgresql"


#: Series ids taken from the sequence at least this many at a time while a file streams.
RESERVED_IDS = 4096


def reserve_series_ids(session: Session, count: int) -> list[int]:
    """Take ``count`` ids from the series' sequence, ascending (unused ones are mere gaps)."""
    taken = session.execute(
        text(
            "SELECT nextval(pg_get_serial_sequence('epidata_series', 'id')) "
            "FROM generate_series(1, :n)"
        ),
        {"n": count},
    )
    return sorted(int(i) for i in taken.scalars())


#: Encoded blocks waiting for the server (about 12 MB each): enough to keep it busy, few
#: enough that a slow server does not pile the file up in memory.
QUEUED_BLOCKS = 2


class FreshRows:
    """Binary ``COPY`` into the observations table of version-1 rows, fed batch by batch.

    A connection in ``COPY`` runs no other statement, so ``pause`` ends the current one (the
    server finishes what was queued, usually while the client was checking the last batch)
    before the caller creates series; the next ``write`` starts another.
    """

    def __init__(self, session: Session, submission_id: int, received_at: datetime) -> None:
        self._session = session
        self._submission_id = submission_id
        self._received_at = received_at
        self._cursor: Any = None
        self._block: Any = None
        self._copy: Any = None
        #: A server error raised while copying (such as a key twice in the file): kept so the
        #: check can go on and report every bad row; raised at the end if none is found. Once
        #: set, the transaction is aborted and the caller must send no other statement.
        self.failed: Exception | None = None
        self.written = 0
        self._error: Exception | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FreshRows:
        return self

    def write(self, frame: pl.DataFrame, ids: np.ndarray, is_new: np.ndarray) -> None:
        """Queue the rows of ``frame`` whose series are new (``series`` indexes ``ids``)."""
        if self.failed is not None:
            return
        local = frame["series"].to_numpy()
        rows = frame.with_columns(pl.Series("series_id", ids[local]))
        keep = is_new[local]
        if not keep.all():
            rows = rows.filter(pl.Series(keep))
        if rows.height == 0:
            return
        rows = rows.sort("series_id", "period_start", "period_end")
        data = pgcopy.encode(
            rows, version=1, submission_id=self._submission_id, received_at=self._received_at
        )
        if self._copy is None:
            self._start()
        self._send(data)
        self.written += rows.height

    def pause(self) -> None:
        """End the current ``COPY``, so the connection can run another statement."""
        if self._copy is not None:
            self._end(None, None, None)

    def _start(self) -> None:
        self._cursor = driver_connection(self._session).cursor()
        self._block = self._cursor.copy(
            f"COPY epidata_observations ({OBS_COLUMNS}) FROM STDIN (FORMAT binary)"
        )
        self._copy = self._block.__enter__()
        self._error = None
        self._queue = queue.Queue(maxsize=QUEUED_BLOCKS)
        self._thread = threading.Thread(target=self._feed, name="epidata-copy", daemon=True)
        self._thread.start()
        self._send(pgcopy.HEADER)

    def _feed(self) -> None:
        """Worker thread: hand queued blocks to the server (waiting on the socket, not the GIL)."""
        try:
            while (data := self._queue.get()) is not None:
                self._copy.write(data)
        except Exception as exc:
            self._error = exc
            while self._queue.get() is not None:
                pass  # keep taking blocks so the checking thread never waits forever

    def _send(self, data: bytes) -> None:
        if self._error is not None:
            self.failed = self.failed or self._error
            return
        self._queue.put(data)

    def _end(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import psycopg

        if exc is None and self.failed is None:
            self._send(pgcopy.TRAILER)
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            self.failed = self.failed or self._error
        abort = exc or self.failed
        try:
            # With an error under way this aborts the COPY (the transaction then rolls back).
            self._block.__exit__(type(abort) if abort else None, abort, tb)
        except psycopg.Error as error:
            if self.failed is None:
                self.failed = error
        finally:
            self._cursor.close()
            self._cursor = self._block = self._copy = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._copy is not None:
            self._end(exc_type, exc, tb)
        if exc is None and self.failed is not None:
            raise self.failed
