"""Reading Parquet uploads into batches of text columns (see ``reading`` for the rules).

Typed columns are turned into the text a CSV would carry (dates as YYYY-MM-DD), so one
validation decides for every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import numpy as np
import polars as pl

from epibridge.epidata.codes import ALL_COLUMNS, REQUIRED_COLUMNS
from epibridge.epidata.reading import RECORD_BATCH, Batch, FileRejected, Progress, RowError
from epibridge.i18n import N_, Text


def parquet_batches(stream: IO[bytes], progress: Progress | None) -> Iterator[Batch]:
    """Yield a Parquet file's row groups as batches of text columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(stream)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FileRejected(
            [
                RowError(
                    0,
                    "*",
                    None,
                    Text(N_("not a readable Parquet file (truncated?): {error}"), {"error": exc}),
                )
            ]
        ) from exc
    names = [n.lower() for n in parquet.schema_arrow.names]
    problems = [
        RowError(1, c, None, "required column missing") for c in REQUIRED_COLUMNS if c not in names
    ]
    problems += [RowError(1, c, c, "unknown column") for c in names if c not in ALL_COLUMNS]
    if problems:
        raise FileRejected(problems)
    offset = 2
    try:
        for batch in parquet.iter_batches(batch_size=RECORD_BATCH):
            if progress:
                progress(batch.nbytes)
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            frame = frame.rename({c: c.lower() for c in frame.columns})
            columns = []
            for name in ALL_COLUMNS:
                if name not in frame.columns:
                    columns.append(pl.lit("", dtype=pl.String).alias(name))
                    continue
                dtype = frame.schema[name]
                expr = pl.col(name)
                if dtype == pl.Date:
                    expr = expr.dt.strftime("%Y-%m-%d")
                elif dtype.is_temporal():
                    expr = expr.cast(pl.String)
                else:
                    expr = expr.cast(pl.String)
                columns.append(expr.fill_null("").alias(name))
            rows = np.arange(offset, offset + frame.height, dtype=np.uint32)
            offset += frame.height
            out = frame.select(columns).with_columns(pl.Series("_row", rows, dtype=pl.UInt32))
            yield Batch(out)
    except (pa.ArrowException, OSError) as exc:
        raise FileRejected(
            [
                RowError(
                    offset,
                    "*",
                    None,
                    Text(N_("the Parquet file is damaged or truncated: {error}"), {"error": exc}),
                )
            ]
        ) from exc
