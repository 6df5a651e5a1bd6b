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

import numpy as np
import polars as pl
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from epibridge.epidata import storage
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


def received_at(day: date, now: datetime) -> datetime:
    """When a figure reported on ``day`` counts as received (today's: now, not tonight)."""
    return min(end_of_day(day), now)


def _current_receipts(session: Session, rows: pl.DataFrame) -> pl.DataFrame:
    """When the current stored version of each key in ``rows`` was received."""
    ids = sorted({int(i) for i in rows["series_id"].unique().to_list()})
    first, last = rows["period_start"].min(), rows["period_end"].max()
    found: list[tuple[int, date, date, datetime]] = []
    for begin in range(0, len(ids), 500):
        query = select(
            Observation.series_id,
            Observation.period_start,
            Observation.period_end,
            Observation.received_at,
        ).where(
            and_(
                Observation.series_id.in_(ids[begin : begin + 500]),
                Observation.superseded_at.is_(None),
                Observation.period_start >= first,
                Observation.period_end <= last,
            )
        )
        found.extend(tuple(r) for r in session.execute(query))  # type: ignore[misc]
    return pl.DataFrame(
        found,
        schema={
            "series_id": pl.Int32,
            "period_start": pl.Date,
            "period_end": pl.Date,
            "stored_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def refused_rows(session: Session, rows: pl.DataFrame, now: datetime) -> list[RowError]:
    """Rows whose key already has a version received after their ``reported_on`` day."""
    first = rows.group_by("series_id", "period_start", "period_end").agg(
        pl.col("reported_on").min(), pl.col("_row").min()
    )
    joined = first.with_columns(pl.col("series_id").cast(pl.Int32)).join(
        _current_receipts(session, rows), on=["series_id", "period_start", "period_end"]
    )
    errors = []
    for row, day, stored_at in (
        joined.sort("_row").select("_row", "reported_on", "stored_at").iter_rows()
    ):
        if stored_at > received_at(day, now):
            errors.append(
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
            )
    return errors


def store(
    session: Session, *, dated: pl.DataFrame, ids: np.ndarray, submission_id: int, now: datetime
) -> tuple[int, int]:
    """Write each day's rows as versions received at its end, oldest day first.

    ``dated`` has ``series`` (the file's series index into ``ids``), the period, ``value``,
    ``reported_on`` and ``_row``. Returns (new keys, revised keys) over all the days.
    """
    new = revised = 0
    for (day,), rows in dated.sort("reported_on", "_row").group_by(
        "reported_on", maintain_order=True
    ):
        part = rows.select(
            pl.Series("series_id", ids[rows["series"].to_numpy()]),
            "period_start",
            "period_end",
            "value",
        )
        added, changed = storage.write_rows(
            session,
            fresh=part.clear(),
            revisable=part,
            submission_id=submission_id,
            received_at=received_at(day, now),  # type: ignore[arg-type]
        )
        new += added
        revised += changed
    return new, revised
