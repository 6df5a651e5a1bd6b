"""Withdrawing values: a new version of each key that says the value no longer exists.

Observations are append-only, so a withdrawal is a revision like any other: the key's current
version is superseded and a version with no value and ``withdrawn`` set is appended, in the
caller's write transaction with the submission's audit entry and outbox message. Readers
(series, exports, triangles) leave the key out from that version on and show the value as it
was before it (``as_of``); the history lists the withdrawal. Keys with no current value (never
stored, or withdrawn already) are left alone and not counted.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Date, Integer, bindparam, text
from sqlalchemy.orm import Session

from epibridge.db import UTCDateTime, utcnow
from epibridge.epidata import landing
from epibridge.epidata.checking import CheckedFile
from epibridge.epidata.models import Submission

_STAGING = "epidata_withdrawing"
_MATCH = (
    "o.series_id = s.series_id AND o.period_start = s.period_start "
    "AND o.period_end = s.period_end AND o.superseded_at IS NULL"
)


def _keys(session: Session, checked: CheckedFile) -> pl.DataFrame:
    """The checked rows whose series is stored, with the series' database id."""
    existing = landing._existing_series(session, checked.state)
    ids = [existing.get(key, -1) for key in checked.series_keys]
    rows = checked.rows.select("series", "period_start", "period_end")
    if checked.dated.height:
        rows = pl.concat([rows, checked.dated.select("series", "period_start", "period_end")])
    return (
        rows.with_columns(pl.col("series").replace_strict(range(len(ids)), ids).alias("series_id"))
        .filter(pl.col("series_id") >= 0)
        .select("series_id", "period_start", "period_end")
    )


def withdraw(session: Session, *, checked: CheckedFile) -> Submission:
    """Withdraw the current value of every key of ``checked``; the submission counts them."""
    landing.lock_state(session, checked.state)
    received_at = utcnow()
    submission = landing._new_submission(
        session, checked, received_at=received_at, synthetic=False, source=""
    )
    keys = _keys(session, checked)
    postgres = session.get_bind().dialect.name == "postgresql"
    temp = "pg_temp" if postgres else "temp"
    session.execute(text(f"DROP TABLE IF EXISTS {temp}.{_STAGING}"))
    session.execute(
        text(
            f"CREATE TEMP TABLE {_STAGING} (series_id integer, period_start date, "
            "period_end date, prev_version integer)"
        )
    )
    if keys.height:
        insert = text(
            f"INSERT INTO {_STAGING} (series_id, period_start, period_end) VALUES (:s, :a, :b)"
        ).bindparams(
            bindparam("s", type_=Integer()),
            bindparam("a", type_=Date()),
            bindparam("b", type_=Date()),
        )
        session.execute(insert, [{"s": s, "a": a, "b": b} for s, a, b in keys.iter_rows()])
    session.execute(
        text(
            f"UPDATE {_STAGING} AS s SET prev_version = o.version FROM epidata_observations AS o "
            f"WHERE {_MATCH} AND NOT o.withdrawn"
        )
    )
    session.execute(text(f"DELETE FROM {_STAGING} WHERE prev_version IS NULL"))
    count = int(session.execute(text(f"SELECT COUNT(*) FROM {_STAGING}")).scalar_one())
    at = bindparam("at", type_=UTCDateTime())
    if count:
        session.execute(
            text(
                "UPDATE epidata_observations AS o SET superseded_at = :at "
                f"FROM {_STAGING} AS s WHERE {_MATCH}"
            ).bindparams(at),
            {"at": received_at},
        )
        session.execute(
            text(
                "INSERT INTO epidata_observations (series_id, period_start, period_end, value, "
                "version, submission_id, received_at, withdrawn) "
                "SELECT series_id, period_start, period_end, NULL, prev_version + 1, :sub, :at, "
                f"{'true' if postgres else '1'} FROM {_STAGING}"
            ).bindparams(at, bindparam("sub", type_=Integer())),
            {"at": received_at, "sub": submission.id},
        )
    session.execute(text(f"DROP TABLE {temp}.{_STAGING}"))
    submission.withdrawn_count = count
    landing._record(session, submission, checked, new=0, revised=0, action="withdraw")
    return submission
