"""Writing a validated file's rows at bulk speed, inside the caller's own transaction.

PostgreSQL gets binary ``COPY`` (psycopg 3, records built by ``pgcopy``) and SQLite
``executemany`` in large key-sorted batches with the per-file constants written into the
statement, both on the session's own connection so the rows commit or roll back with the
submission and its audit entry. Rows of series that are new in this submission cannot revise
anything and go straight into the observations table; rows of existing series pass through a
temporary staging table, where the current version of each key is looked up in one join,
unchanged values are dropped, and the rest supersede the current version.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from epibridge.epidata import pgcopy

BATCH_ROWS = 250_000
OBS_COLUMNS = "series_id, period_start, period_end, value, version, submission_id, received_at"


def driver_connection(session: Session) -> Any:
    """The DB-API connection under the session's transaction (psycopg or sqlite3)."""
    return session.connection().connection.driver_connection


def _sqlite_timestamp(moment: datetime) -> str:
    """The text SQLAlchemy stores for a UTC timestamp on SQLite, so raw and ORM rows compare."""
    processor = sqlite.DATETIME().bind_processor(sqlite.dialect())
    assert processor is not None
    return str(processor(moment.astimezone(UTC).replace(tzinfo=None)))


def _slices(frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, BATCH_ROWS):
        yield frame.slice(offset, BATCH_ROWS)


def write_rows(
    session: Session,
    *,
    fresh: pl.DataFrame,
    revisable: pl.DataFrame,
    submission_id: int,
    received_at: datetime,
) -> tuple[int, int]:
    """Insert ``fresh`` rows as version 1 and ``revisable`` ones as new versions where changed.

    Both frames have ``series_id, period_start, period_end, value``. Returns (new keys,
    revised keys); a revisable row whose value equals the current one is not stored again.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    connection = driver_connection(session)
    write = _copy_rows if postgres else _insert_rows
    new = fresh.height
    write(connection, "epidata_observations", fresh, received_at, submission_id)
    if revisable.height == 0:
        return new, 0
    staging = "epidata_staging"
    if postgres:
        # A file with back-dated rows stages once per day, in one transaction.
        session.execute(text(f"DROP TABLE IF EXISTS pg_temp.{staging}"))
        session.execute(
            text(
                f"CREATE TEMP TABLE {staging} (series_id integer, period_start date, "
                "period_end date, value bigint, version integer, submission_id integer, "
                "received_at timestamptz, prev_version integer, prev_value bigint) "
                "ON COMMIT DROP"
            )
        )
    else:
        session.execute(text(f"DROP TABLE IF EXISTS temp.{staging}"))
        session.execute(
            text(
                f"CREATE TEMP TABLE {staging} (series_id integer, period_start date, "
                "period_end date, value integer, version integer, submission_id integer, "
                "received_at datetime, prev_version integer, prev_value integer)"
            )
        )
    write(connection, staging, revisable, received_at, submission_id)
    match = (
        "o.series_id = s.series_id AND o.period_start = s.period_start "
        "AND o.period_end = s.period_end AND o.superseded_at IS NULL"
    )
    session.execute(
        text(
            # A withdrawn version compares unequal to every value (counts are never negative),
            # so a value sent again after its withdrawal is stored again.
            f"UPDATE {staging} AS s SET prev_version = o.version, "
            "prev_value = CASE WHEN o.withdrawn THEN -1 ELSE o.value END "
            f"FROM epidata_observations AS o WHERE {match}"
        )
    )
    same = "IS NOT DISTINCT FROM" if postgres else "IS"
    session.execute(
        text(f"DELETE FROM {staging} WHERE prev_version IS NOT NULL AND value {same} prev_value")
    )
    counts = session.execute(text(f"SELECT COUNT(prev_version), COUNT(*) FROM {staging}")).one()
    revised, kept = int(counts[0]), int(counts[1])
    if revised:
        session.execute(
            text(
                "UPDATE epidata_observations AS o SET superseded_at = :at "
                f"FROM {staging} AS s WHERE s.prev_version IS NOT NULL AND {match}"
            ),
            {"at": received_at},
        )
    session.execute(
        text(
            f"INSERT INTO epidata_observations ({OBS_COLUMNS}) "
            "SELECT series_id, period_start, period_end, value, "
            "COALESCE(prev_version, 0) + 1, submission_id, received_at "
            f"FROM {staging}"
        )
    )
    if not postgres:
        session.execute(text(f"DROP TABLE temp.{staging}"))
    return new + kept - revised, revised


def _copy_rows(
    connection: Any, table: str, frame: pl.DataFrame, received_at: datetime, submission_id: int
) -> None:
    if frame.height == 0:
        return
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({OBS_COLUMNS}) FROM STDIN (FORMAT binary)") as copy,
    ):
        copy.write(pgcopy.HEADER)
        for part in _slices(frame):
            # In key order: the server appends to the primary key's B-tree instead of
            # inserting all over it.
            rows = part.sort("series_id", "period_start", "period_end")
            copy.write(
                pgcopy.encode(rows, version=1, submission_id=submission_id, received_at=received_at)
            )
        copy.write(pgcopy.TRAILER)


def _insert_rows(
    connection: Any, table: str, frame: pl.DataFrame, received_at: datetime, submission_id: int
) -> None:
    """Insert in primary-key order: the table is its key's B-tree, appended to, not split."""
    if frame.height == 0:
        return
    # The constants are literals we produce (an integer, a formatted timestamp), so every
    # row binds four parameters instead of seven.
    sql = (
        f"INSERT INTO {table} ({OBS_COLUMNS}) VALUES "
        f"(?, ?, ?, ?, 1, {int(submission_id)}, '{_sqlite_timestamp(received_at)}')"
    )
    cursor = connection.cursor()
    try:
        for part in _slices(frame):
            columns = part.sort("series_id", "period_start", "period_end").select(
                "series_id",
                pl.col("period_start").dt.strftime("%Y-%m-%d"),
                pl.col("period_end").dt.strftime("%Y-%m-%d"),
                "value",
            )
            cursor.executemany(sql, zip(*(column.to_list() for column in columns), strict=True))
    finally:
        cursor.close()
