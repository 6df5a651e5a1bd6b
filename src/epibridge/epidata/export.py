"""Series sets as files: one row per state and period, CSV or Parquet."""

from __future__ import annotations

import io

import polars as pl

from epibridge.epidata.schemas import SeriesSet

EXPORT_COLUMNS = (
    "state",
    "period_start",
    "period_end",
    "value",
    "rate",
    "population",
    "reported",
    "disease",
    "metric",
    "classification",
    "area",
    "age_group",
    "sex",
    "granularity",
    "synthetic",
)


def to_frame(result: SeriesSet) -> pl.DataFrame:
    """Flatten a series set into one row per state and period (the export layout)."""
    rows = []
    for item in [*result.series, *([result.total] if result.total else [])]:
        for p in item.points:
            rows.append(
                (
                    item.state,
                    p.period_start,
                    p.period_end,
                    p.value,
                    p.rate,
                    p.population,
                    p.reported,
                    item.disease,
                    item.metric,
                    item.classification,
                    item.area,
                    item.age_group,
                    item.sex,
                    item.granularity,
                    item.synthetic,
                )
            )
    schema = {
        "state": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "value": pl.Int64,
        "rate": pl.Float64,
        "population": pl.Int64,
        "reported": pl.Int64,
        "disease": pl.String,
        "metric": pl.String,
        "classification": pl.String,
        "area": pl.String,
        "age_group": pl.String,
        "sex": pl.String,
        "granularity": pl.String,
        "synthetic": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def export(result: SeriesSet, fmt: str) -> bytes:
    """The series set as CSV or Parquet bytes."""
    frame = to_frame(result)
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_csv(buffer, null_value="", quote_style="never")
    return buffer.getvalue()
