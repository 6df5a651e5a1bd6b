"""Reporting triangles read from the database's own revision history, many series in one query.

``C[s, t, d]`` is the value of period ``t`` of series ``s`` as known at the end of the day
``period_end(t) + d`` periods (weeks: ``d`` weeks after the period's Sunday; months: the end
of the ``d``-th following month): the latest version received by then. Every version of every
selected series over the window is read in one query; a version fills the delays whose
cut-off falls in ``[received_at, superseded_at)``, so the triangle and an ``as_of`` read of
the same moment always agree (back-dated versions are stored received at the end of their
``reported_on`` day: ``epidata.backdating``). Cells whose cut-off is after the as-of moment,
and values "not reported", are NaN: the array convention of ``epibridge.nowcasting``.

Triangles are built from observations stored at the selector's granularity (weekly rows for
weekly triangles): a daily figure's revisions say nothing about when a week's total was known.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
from sqlalchemy import String, and_, select, type_coerce
from sqlalchemy.orm import Session

from epibridge.epidata.backdating import end_of_day
from epibridge.epidata.codes import Granularity
from epibridge.epidata.models import Observation

_FAR = np.datetime64("9999-12-31T00:00:00", "us")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_period(day: date, granularity: Granularity) -> tuple[date, date]:
    """The last period of ``granularity`` that ended on or before ``day``."""
    if granularity == "day":
        return day, day
    if granularity == "week":
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        return sunday - timedelta(days=6), sunday
    end = _month_end(day.year, day.month)
    if end > day:
        first = _shift_months(date(day.year, day.month, 1), -1)
        return first, _month_end(first.year, first.month)
    return date(day.year, day.month, 1), end


def periods(as_of: datetime, granularity: Granularity, count: int) -> list[tuple[date, date]]:
    """The last ``count`` periods whose end of day is at or before ``as_of``, oldest first."""
    day = as_of.astimezone(UTC).date()
    if end_of_day(day) > as_of:
        day -= timedelta(days=1)
    start, end = last_period(day, granularity)
    found = [(start, end)]
    while len(found) < count:
        start, end = last_period(start - timedelta(days=1), granularity)
        found.append((start, end))
    return found[::-1]


def cutoff_day(period_end: date, delay: int, granularity: Granularity) -> date:
    """The day at whose end delay ``delay`` of a period ending ``period_end`` is read."""
    if granularity == "day":
        return period_end + timedelta(days=delay)
    if granularity == "week":
        return period_end + timedelta(weeks=delay)
    first = _shift_months(period_end.replace(day=1), delay)
    return _month_end(first.year, first.month)


@dataclass(frozen=True)
class Triangles:
    """Triangles of ``series_ids`` over ``periods``: ``values`` is ``(S, T, D + 1)``."""

    series_ids: list[int]
    periods: list[tuple[date, date]]
    values: np.ndarray
    #: ``(S, T)`` the value as known at the as-of moment (NaN: none or "not reported").
    observed: np.ndarray
    as_of: datetime
    #: ``(T,)`` the largest delay of each period reached by the as-of moment.
    edge: np.ndarray

    def with_observed_edge(self) -> np.ndarray:
        """``values`` with each empty cell of the edge (the latest delay reached by as_of)
        holding what is observed at as_of.

        A figure received after the cut-off of the delay it has reached (a week's first
        report arriving on Wednesday) leaves that cell empty, so the nowcast would know
        nothing of the period; what is known at the nowcast date is its latest diagonal.
        """
        values = self.values.copy()
        t = np.arange(values.shape[1])
        edge = values[:, t, self.edge]
        fill = np.isnan(edge) & ~np.isnan(self.observed)
        values[:, t, self.edge] = np.where(fill, self.observed, edge)
        return values


def _utc64(moments: list[datetime | None]) -> np.ndarray:
    return np.array(
        [
            _FAR
            if m is None
            else np.datetime64(m.astimezone(UTC).replace(tzinfo=None), "us")
            if m.tzinfo
            else np.datetime64(m, "us")
            for m in moments
        ],
        dtype="datetime64[us]",
    )


def _as_micros(name: str, values: list[object], temporal: pl.DataType) -> pl.Series:
    """A column of dates or moments as the driver gave them (ISO text from SQLite, ``date`` and
    aware ``datetime`` objects from psycopg) as UTC; nulls stay null."""
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        kind = pl.Date if temporal == pl.Date else pl.Datetime("us", "UTC")
        return pl.Series(name, [None] * len(values), dtype=kind)
    if isinstance(sample, str):
        text = pl.Series(name, values, dtype=pl.String)
        if temporal == pl.Date:
            return text.str.slice(0, 10).str.to_date("%Y-%m-%d")
        # Two spellings share the column: SQLAlchemy's naive UTC text, and the sqlite3
        # adapter's ISO text with its offset (``superseded_at`` set by the import's own SQL).
        spaced = text.str.replace("T", " ", literal=True)
        offset = r"[+-]\d\d:\d\d$"
        zoned = pl.select(
            pl.when(spaced.str.contains(offset)).then(spaced).otherwise(spaced + "+00:00")
        ).to_series()
        whole = pl.select(
            pl.when(zoned.str.contains(".", literal=True))
            .then(zoned)
            .otherwise(zoned.str.replace(r"([+-]\d\d:\d\d)$", ".000000$1"))
        ).to_series()
        return whole.str.to_datetime(
            "%Y-%m-%d %H:%M:%S%.f%:z", time_unit="us"
        ).dt.convert_time_zone("UTC")
    typed = pl.Series(name, values)
    if temporal == pl.Date:
        return typed.cast(pl.Date)
    return typed.dt.convert_time_zone("UTC").dt.cast_time_unit("us")


def _versions(
    session: Session, series_ids: list[int], first: date, last: date, as_of: datetime
) -> pl.DataFrame:
    """Every version of the periods in ``[first, last]`` received by ``as_of``: one query.

    The dates and moments are read as the driver gives them and converted by Polars column by
    column: the ORM's per-value conversion cost more than the rest of the read (measured).
    """
    query = select(
        Observation.series_id,
        type_coerce(Observation.period_start, String),
        type_coerce(Observation.period_end, String),
        Observation.value,
        type_coerce(Observation.received_at, String),
        type_coerce(Observation.superseded_at, String),
    ).where(
        and_(
            Observation.series_id.in_(series_ids),
            Observation.period_start >= first,
            Observation.period_end <= last,
            Observation.received_at <= as_of,
            # A withdrawal ends its key's last value (superseded then) and is not one itself.
            Observation.withdrawn.is_(False),
        )
    )
    # A Core read on the session's connection: no ORM row objects for thousands of rows.
    rows = session.connection().execute(query).fetchall() if series_ids else []
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(6)]
    return pl.DataFrame(
        [
            pl.Series("series_id", columns[0], dtype=pl.Int64),
            _as_micros("period_start", columns[1], pl.Date),
            _as_micros("period_end", columns[2], pl.Date),
            pl.Series("value", columns[3], dtype=pl.Float64),
            _as_micros("received_at", columns[4], pl.Datetime),
            _as_micros("superseded_at", columns[5], pl.Datetime),
        ]
    )


def _indexed(
    versions: pl.DataFrame, series_ids: list[int], window: list[tuple[date, date]]
) -> pl.DataFrame:
    """The versions with their series row ``s`` and period column ``t`` (others dropped)."""
    series = pl.DataFrame(
        {"series_id": series_ids, "s": range(len(series_ids))},
        schema={"series_id": pl.Int64, "s": pl.Int64},
    )
    grid = pl.DataFrame(
        {
            "period_start": [a for a, _ in window],
            "period_end": [b for _, b in window],
            "t": range(len(window)),
        },
        schema={"period_start": pl.Date, "period_end": pl.Date, "t": pl.Int64},
    )
    return versions.join(series, on="series_id").join(grid, on=["period_start", "period_end"])


def _micros(column: pl.Series) -> np.ndarray:
    far = _FAR.astype("datetime64[us]").astype(np.int64)
    return column.dt.epoch("us").fill_null(far).to_numpy().astype(np.int64)


def build(
    session: Session,
    *,
    series_ids: list[int],
    granularity: Granularity,
    max_delay: int,
    as_of: datetime,
    count: int,
) -> Triangles:
    """The triangles of ``series_ids`` over the last ``count`` periods ended by ``as_of``."""
    window = periods(as_of, granularity, count)
    cutoffs = (
        _utc64(
            [
                end_of_day(cutoff_day(end, d, granularity))
                for _, end in window
                for d in range(max_delay + 1)
            ]
        )
        .astype(np.int64)
        .reshape(len(window), max_delay + 1)
    )
    moment = _utc64([as_of]).astype(np.int64)[0]
    values = np.full((len(series_ids), len(window), max_delay + 1), np.nan)
    observed = np.full((len(series_ids), len(window)), np.nan)
    found = _indexed(
        _versions(session, series_ids, window[0][0], window[-1][1], as_of), series_ids, window
    )
    if found.height:
        s = found["s"].to_numpy()
        t = found["t"].to_numpy()
        value = found["value"].fill_null(np.nan).to_numpy()
        received = _micros(found["received_at"])
        superseded = _micros(found["superseded_at"])
        cut = cutoffs[t]  # (V, D + 1)
        live = (received[:, None] <= cut) & (cut < superseded[:, None]) & (cut <= moment)
        v, d = np.nonzero(live)
        values[s[v], t[v], d] = value[v]
        now = (received <= moment) & (moment < superseded)
        observed[s[now], t[now]] = value[now]
    edge = (cutoffs <= moment).sum(axis=1) - 1  # every period of the window has ended
    return Triangles(series_ids, window, values, observed, as_of, edge)
