"""Back-dated rows (``reported_on``): an archive's vintages stored as the versions they were.

A history rebuilt from archives must answer ``as_of`` queries and build reporting triangles
exactly as if each figure had been received on the day it was known. So a back-dated version
is stored with ``received_at`` at the end of its ``reported_on`` day (UTC; never later than
the moment it is stored), and supersedes the version before it at that moment; the submission
keeps the real time it arrived, and its audit entry says how many rows were back-dated and
over which days. A version cannot be slipped in before one already stored later: the day
must not be earlier than the current version's receipt, or the row is refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from epibridge.epidata import storage
from epibridge.epidata.checking import rejection
from epibridge.epidata.models import Observation
from epibridge.epidata.reading import RowError
from epibridge.i18n import N_, Text
from epibridge.security import Principal, Role


def allowed(actor: Principal, state: str) -> bool:
    """The Secretariat, an administrator, the console, or the state's own system account."""
    if actor.role in (Role.SECRETARIAT, Role.ADMIN, Role.OPERATOR):
        return True
    return actor.role is Role.SYSTEM and actor.state == state


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in UTC: what was known "at the end of" that day."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC) - timedelta(microseconds=1)


def _stored_versions(session: Session, rows: pl.DataFrame) -> pl.DataFrame:
    """The current stored version of each key in ``rows``: its number, value and receipt."""
    ids = sorted({int(i) for i in rows["series_id"].unique().to_list()})
    first, last = rows["period_start"].min(), rows["period_end"].max()
    found: list[tuple[object, ...]] = []
    for begin in range(0, len(ids), 500):
        query = select(
            Observation.series_id,
            Observation.period_start,
            Observation.period_end,
            Observation.version,
            Observation.value,
            Observation.received_at,
        ).where(
            and_(
                Observation.series_id.in_(ids[begin : begin + 500]),
                Observation.superseded_at.is_(None),
                Observation.period_start >= first,
                Observation.period_end <= last,
            )
        )
        found.extend(tuple(r) for r in session.execute(query))
    return pl.DataFrame(
        found,
        schema={
            "series_id": pl.Int64,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "stored_version": pl.Int64,
            "stored_value": pl.Int64,
            "stored_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


_KEY = ["series_id", "period_start", "period_end"]


def _refusals(joined: pl.DataFrame) -> list[RowError]:
    """Rows whose key already has a version received after their (first) ``reported_on`` day."""
    first = joined.filter(pl.col("stored_at").is_not_null()).group_by(_KEY).agg(
        pl.col("_row").first(), pl.col("received").first(), pl.col("reported_on").first(),
        pl.col("stored_at").first(),
    )  # fmt: skip
    late = first.filter(pl.col("stored_at") > pl.col("received")).sort("_row")
    return [
        RowError(
            int(row),
            "reported_on",
            day.isoformat(),
            Text(
                N_(
                    "a later version of this figure was received on {day}: a back-dated "
                    "version cannot go before it"
                ),
                {"day": stored_at.date().isoformat()},
            ),
        )
        for row, day, stored_at in late.select("_row", "reported_on", "stored_at").iter_rows()
    ]


def _versions(joined: pl.DataFrame) -> pl.DataFrame:
    """The versions to insert: unchanged values dropped, numbered after the stored one."""
    value = pl.col("value")
    before = value.shift(1).over(_KEY)
    first = pl.col("_n") == 0
    previous = pl.when(first).then(pl.col("stored_value")).otherwise(before)
    had = pl.when(first).then(pl.col("stored_version").is_not_null()).otherwise(True)
    same = had & ((value.is_null() & previous.is_null()) | (value == previous).fill_null(False))
    ranked = joined.sort([*_KEY, "received"]).with_columns(
        pl.int_range(pl.len()).over(_KEY).alias("_n")
    )
    kept = ranked.filter(~ranked.select(same.alias("same"))["same"])
    return kept.with_columns(
        (pl.col("stored_version").fill_null(0) + pl.int_range(1, pl.len() + 1).over(_KEY)).alias(
            "version"
        ),
        pl.col("received").shift(-1).over(_KEY).alias("superseded_at"),
    )


def store(
    session: Session, *, dated: pl.DataFrame, submission_id: int, now: datetime
) -> tuple[int, int]:
    """Check and write the back-dated rows ``dated`` (with ``series_id``) in one pass.

    Each row becomes the version received at the end of its day, superseded by the key's next
    row of the file; the key's stored current version is superseded by the first. Returns
    (new keys, revised keys) counted as versions: a key's first version is new, later ones
    revise it. Raises the file's rejection if a row would go before a stored version.
    """
    rows = dated.with_columns(
        pl.col("series_id").cast(pl.Int64),
        (
            pl.col("reported_on").cast(pl.Datetime("us", "UTC"))
            + pl.duration(days=1, microseconds=-1)
        )
        .clip(upper_bound=now)
        .alias("received"),
    )
    joined = rows.join(_stored_versions(session, rows), on=_KEY, how="left")
    errors = _refusals(joined)
    if errors:
        raise rejection(errors, len(errors))
    versions = _versions(joined)
    superseding = versions.filter(pl.col("stored_version").is_not_null()).group_by(_KEY).agg(
        pl.col("stored_version").first(), pl.col("received").min()
    )  # fmt: skip
    if superseding.height:
        session.execute(
            update(Observation)
            .where(
                Observation.series_id == bindparam("b_series"),
                Observation.period_start == bindparam("b_start"),
                Observation.period_end == bindparam("b_end"),
                Observation.version == bindparam("b_version"),
            )
            .values(superseded_at=bindparam("b_at")),
            [
                {"b_series": k, "b_start": a, "b_end": b, "b_version": v, "b_at": at}
                for k, a, b, v, at in superseding.select(
                    *_KEY, "stored_version", "received"
                ).iter_rows()
            ],
            execution_options={"synchronize_session": False},
        )
    if versions.height:
        _insert(
            session,
            versions.with_columns(
                pl.lit(submission_id).alias("submission_id"),
                pl.col("received").alias("received_at"),
            ),
        )
    new = int((versions["version"] == 1).sum())
    return new, versions.height - new


_COLUMNS = (
    "series_id",
    "period_start",
    "period_end",
    "version",
    "value",
    "submission_id",
    "received_at",
    "superseded_at",
)


def _insert(session: Session, versions: pl.DataFrame) -> None:
    """Insert the versions on the session's own connection, in the driver's bulk form.

    The ORM's insert converted every timestamp in Python (most of an archive's load time);
    PostgreSQL takes a ``COPY`` of the rows, SQLite one ``executemany`` of ISO texts in the
    format SQLAlchemy itself stores.
    """
    rows = versions.sort(*_KEY, "version")
    connection = storage.driver_connection(session)
    if session.get_bind().dialect.name == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY epidata_observations ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows.select(_COLUMNS).iter_rows():
                copy.write_row(row)
        return
    stamp = "%Y-%m-%d %H:%M:%S.%6f"
    texts = rows.select(
        "series_id",
        pl.col("period_start").dt.strftime("%Y-%m-%d"),
        pl.col("period_end").dt.strftime("%Y-%m-%d"),
        "version",
        "value",
        "submission_id",
        pl.col("received_at").dt.convert_time_zone("UTC").dt.strftime(stamp),
        pl.col("superseded_at").dt.convert_time_zone("UTC").dt.strftime(stamp),
    )
    cursor = connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO epidata_observations ({', '.join(_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            texts.iter_rows(),
        )
    finally:
        cursor.close()
