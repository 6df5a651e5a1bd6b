"""Observation rows in PostgreSQL's binary ``COPY`` format, built with NumPy, not row by row.

The binary format spares the server parsing text (a third of its work on a bulk load, measured)
and the client formatting it: each row is a fixed-size record of big-endian integers, so a
whole slice is one NumPy structured array written out as bytes. Rows with an unknown value
("not reported") carry a NULL field and so a shorter record; they are encoded as a second
array after the others (row order inside a ``COPY`` does not matter).
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import numpy as np
import polars as pl

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)

_PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's epoch, in days after 1970-01-01
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_FIELDS = 7  # series_id, period_start, period_end, value, version, submission_id, received_at


def _record(with_value: bool) -> np.dtype:  # type: ignore[type-arg]
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for name, kind in (
        ("series_id", ">i4"),
        ("period_start", ">i4"),
        ("period_end", ">i4"),
        ("value", ">i8"),
        ("version", ">i4"),
        ("submission_id", ">i4"),
        ("received_at", ">i8"),
    ):
        fields.append((f"{name}_len", ">i4"))
        if name != "value" or with_value:
            fields.append((name, kind))
    return np.dtype(fields)


_WITH_VALUE = _record(True)
_WITHOUT_VALUE = _record(False)


def encode(
    frame: pl.DataFrame, *, version: int, submission_id: int, received_at: datetime
) -> bytes:
    """Rows of ``series_id, period_start, period_end, value`` as binary ``COPY`` tuples."""
    delta = received_at - _PG_EPOCH
    stamp = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    known = frame["value"].is_not_null()
    parts = []
    for dtype, rows in (
        (_WITH_VALUE, frame.filter(known)),
        (_WITHOUT_VALUE, frame.filter(~known)),
    ):
        if rows.height == 0:
            continue
        out = np.empty(rows.height, dtype=dtype)
        out["n"] = _FIELDS
        for name in ("series_id", "period_start", "period_end", "version", "submission_id"):
            out[f"{name}_len"] = 4
        out["value_len"] = 8 if dtype is _WITH_VALUE else -1
        out["received_at_len"] = 8
        out["series_id"] = rows["series_id"].to_numpy()
        for name in ("period_start", "period_end"):
            out[name] = rows[name].cast(pl.Int32).to_numpy() - _PG_EPOCH_DAYS
        if dtype is _WITH_VALUE:
            out["value"] = rows["value"].to_numpy()
        out["version"] = version
        out["submission_id"] = submission_id
        out["received_at"] = stamp
        parts.append(out.tobytes())
    return b"".join(parts)
