"""Duplicate keys within one file: the same series and period twice, unless the rows are an
archive's successive vintages (``reported_on``).

Apart from the per-batch checks (``validation``) because it runs once over the whole file's kept
rows, with its own memory budget: 8 bytes a row for the packed keys.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from epibridge.epidata.codes import MAX_REPORTED_ERRORS
from epibridge.epidata.reading import RowError
from epibridge.epidata.validation import Collected
from epibridge.i18n import N_, Text


def _packed_expr() -> pl.Expr:
    """One 64-bit number per key: series (32 bits), start day (24), length in days (8)."""
    start_days = pl.col("period_start").cast(pl.Int32).cast(pl.Int64) + 100_000
    length = (pl.col("period_end") - pl.col("period_start")).dt.total_days().cast(pl.Int64)
    return pl.col("series").cast(pl.UInt64) * (1 << 32) + (start_days * 256 + length).cast(
        pl.UInt64
    )


def _any_duplicate(frame: pl.DataFrame) -> bool:
    """Whether any key repeats, with 8 bytes a row: packed keys, sorted in place.

    Hashing ten million struct keys would need several times the memory of the rows.
    """
    keys = np.empty(frame.height, dtype=np.uint64)
    offset = 0
    for part in frame.iter_slices(n_rows=500_000):
        chunk = part.select(_packed_expr().alias("k")).get_column("k").to_numpy()
        keys[offset : offset + len(chunk)] = chunk
        offset += len(chunk)
    keys.sort()
    return bool(frame.height > 1 and np.any(keys[1:] == keys[:-1]))


def check_duplicates(collected: Collected, frame: pl.DataFrame) -> None:
    """Report every row whose key already appeared earlier in the same file."""
    keys = ["series", "period_start", "period_end"]
    if not _any_duplicate(frame):
        return
    packed = _packed_expr()
    dup = frame.filter(packed.is_duplicated())
    dup = _without_revisions(dup, keys)
    if dup.height == 0:
        return
    dup = dup.with_columns(pl.col("_row").min().over(keys).alias("_first")).filter(
        pl.col("_row") != pl.col("_first")
    )
    reported = dup.sort("_row").head(MAX_REPORTED_ERRORS)
    collected.add_errors(
        (
            RowError(
                int(row),
                "period_start",
                str(start),
                Text(
                    N_("duplicate key: the same series and period is on line {line}"),
                    {"line": first},
                ),
            )
            for row, start, first in reported.select("_row", "period_start", "_first").iter_rows()
        ),
        count=dup.height,
    )


def _without_revisions(dup: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Drop the keys whose rows are successive back-dated revisions, not duplicates.

    A key may repeat when every one of its rows carries ``reported_on`` and each later row
    of the file has a later date: an archive's vintages, each stored as its own version.
    """
    ordered = dup.sort("_row")
    flagged = ordered.with_columns(
        (
            pl.col("reported_on").is_not_null().all()
            & (pl.col("reported_on").diff().dt.total_days().fill_null(1) > 0).all()
        )
        .over(keys)
        .alias("_vintages")
    )
    return flagged.filter(~pl.col("_vintages")).drop("_vintages")
