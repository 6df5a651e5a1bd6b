"""Every check a submitted row must pass, vectorized over a batch with Polars.

Checks run column by column over whole batches (no Python loop per row), so validating ten
million rows takes seconds. A rejected row is reported once per bad column, with the text the
sender wrote. Rows that pass are kept in compact typed columns (series index, dates, value)
until the whole file has been checked; nothing is written before that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from epibridge.epidata.codes import (
    AGE_GROUP_PATTERN,
    CLASSIFICATIONS,
    MAX_REPORTED_ERRORS,
    METRICS,
    SERIES_COLUMNS,
    SEXES,
    areas_of,
)
from epibridge.epidata.reading import Batch, RowError
from epibridge.notifications.diseases import validate_disease_code

_MAX_DIGITS = 15  # counts up to 10**15 - 1: far beyond any population, safe in int64


@dataclass
class Collected:
    """The validated rows of a whole file and the bad ones found so far."""

    state: str
    series_keys: list[tuple[str, ...]] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    row_count: int = 0
    _series_index: dict[tuple[str, ...], int] = field(default_factory=dict)
    _diseases: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def add_errors(self, errors: Iterable[RowError], count: int | None = None) -> None:
        errors = list(errors)
        self.error_count += len(errors) if count is None else count
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.extend(errors)
            self.errors.sort(key=lambda e: (e.row, e.column))
            del self.errors[MAX_REPORTED_ERRORS:]

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(
                schema={
                    "series": pl.UInt32,
                    "period_start": pl.Date,
                    "period_end": pl.Date,
                    "value": pl.Int64,
                    "_row": pl.UInt32,
                }
            )
        # No rechunk: gluing the blocks into one buffer would double the peak memory.
        frame = pl.concat(self.frames, rechunk=False)
        self.frames = [frame]
        return frame

    def disease(self, raw: str) -> tuple[str | None, str]:
        cached = self._diseases.get(raw)
        if cached is None:
            try:
                cached = (validate_disease_code(raw), "")
            except ValueError as exc:
                cached = (None, str(exc))
            self._diseases[raw] = cached
        return cached


def _reason(condition: pl.Expr, reason: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(reason)).otherwise(pl.lit(None, dtype=pl.String))


def check_batch(collected: Collected, batch: Batch) -> None:
    """Validate one batch, keeping its good rows and reporting its bad ones in ``collected``."""
    collected.add_errors(batch.errors)
    frame = batch.frame
    collected.row_count += frame.height + len({e.row for e in batch.errors})
    if frame.height == 0:
        return
    state = collected.state
    areas = sorted(areas_of(state))
    diseases = {raw: collected.disease(raw) for raw in frame["disease"].unique().to_list()}
    norm_disease = {k: v[0] for k, v in diseases.items() if v[0] is not None}
    disease_reason = {k: v[1] for k, v in diseases.items() if v[0] is None}

    start = pl.col("period_start").str.to_date("%Y-%m-%d", strict=False)
    end = pl.col("period_end").str.to_date("%Y-%m-%d", strict=False)
    typed = frame.with_columns(
        pl.col("state").str.to_uppercase().alias("state"),
        pl.col("area").str.to_uppercase().alias("area"),
        pl.col("disease").replace_strict(norm_disease, default=None).alias("_disease"),
        pl.col("metric").str.to_lowercase().alias("metric"),
        pl.col("classification").str.to_lowercase().alias("classification"),
        pl.col("sex").str.to_lowercase().alias("sex"),
        pl.when(pl.col("period_start").str.len_chars() == 10).then(start).alias("_start"),
        pl.when(pl.col("period_end").str.len_chars() == 10).then(end).alias("_end"),
    )
    days = (pl.col("_end") - pl.col("_start")).dt.total_days()
    is_day = days == 0
    is_week = (pl.col("_start").dt.weekday() == 1) & (days == 6)
    is_month = (pl.col("_start").dt.day() == 1) & (
        pl.col("_end") == pl.col("_start").dt.month_end()
    )
    value = pl.col("value")
    checks: list[tuple[str, str, pl.Expr]] = [
        (
            "state",
            "state",
            _reason(
                pl.col("state") != state,
                f"not the submitting state {state}: a file carries one state's data",
            ),
        ),
        (
            "area",
            "area",
            _reason(
                (pl.col("area") != "") & ~pl.col("area").is_in(areas),
                f"not an ISO 3166-2 subdivision of {state} (leave empty for the whole state)",
            ),
        ),
        (
            "disease",
            "disease",
            pl.when(pl.col("_disease").is_null())
            .then(pl.col("disease").replace_strict(disease_reason, default="unknown code"))
            .otherwise(pl.lit(None, dtype=pl.String)),
        ),
        (
            "metric",
            "metric",
            _reason(~pl.col("metric").is_in(METRICS), "unknown metric: " + ", ".join(METRICS)),
        ),
        (
            "classification",
            "classification",
            _reason(
                ~pl.col("classification").is_in(CLASSIFICATIONS),
                "unknown classification: " + ", ".join(CLASSIFICATIONS),
            ),
        ),
        (
            "age_group",
            "age_group",
            _reason(
                (pl.col("age_group") != "") & ~pl.col("age_group").str.contains(AGE_GROUP_PATTERN),
                "not an age group such as 0-4, 65+ or <1 (empty: all ages)",
            ),
        ),
        (
            "sex",
            "sex",
            _reason(
                (pl.col("sex") != "") & ~pl.col("sex").is_in(SEXES),
                "unknown sex: " + ", ".join(SEXES) + " (empty: everyone)",
            ),
        ),
        (
            "period_start",
            "period_start",
            _reason(pl.col("_start").is_null(), "not a date YYYY-MM-DD"),
        ),
        (
            "period_end",
            "period_end",
            _reason(pl.col("_end").is_null(), "not a date YYYY-MM-DD"),
        ),
        (
            "period_end",
            "period_end",
            pl.when(pl.col("_start").is_null() | pl.col("_end").is_null())
            .then(pl.lit(None, dtype=pl.String))
            .when(pl.col("_end") < pl.col("_start"))
            .then(pl.lit("period_end is before period_start"))
            .when((days == 6) & ~is_week)
            .then(pl.lit("not an ISO week: a week runs Monday to Sunday"))
            .when(~(is_day | is_week | is_month))
            .then(
                pl.lit("the period is not a day, an ISO week (Monday-Sunday) or a calendar month")
            )
            .otherwise(pl.lit(None, dtype=pl.String)),
        ),
        (
            "value",
            "value",
            pl.when(value == "")
            .then(pl.lit(None, dtype=pl.String))
            .when(value.str.contains(r"^-\d+(\.\d*)?$"))
            .then(pl.lit("negative count: counts are non-negative integers"))
            .when(value.str.contains(r"^\d+\.0*$") & (value.str.len_chars() <= _MAX_DIGITS + 8))
            .then(pl.lit(None, dtype=pl.String))
            .when(value.str.contains(r"^\d+\.\d+$"))
            .then(pl.lit("not an integer: counts are whole numbers"))
            .when(~value.str.contains(r"^\d+$"))
            .then(pl.lit("not a number (leave empty for 'not reported')"))
            .when(value.str.len_chars() > _MAX_DIGITS)
            .then(pl.lit("implausibly large count"))
            .otherwise(pl.lit(None, dtype=pl.String)),
        ),
    ]
    reasons = typed.with_columns([expr.alias(f"_e{i}") for i, (_, _, expr) in enumerate(checks)])
    error_columns = [f"_e{i}" for i in range(len(checks))]
    any_bad = pl.any_horizontal([pl.col(c).is_not_null() for c in error_columns])
    bad = reasons.filter(any_bad)
    if bad.height:
        found: list[RowError] = []
        count = 0
        for i, (column, source, _) in enumerate(checks):
            col = f"_e{i}"
            hits = bad.filter(pl.col(col).is_not_null())
            count += hits.height
            room = MAX_REPORTED_ERRORS - len(collected.errors)
            for row, text, reason in (
                hits.head(max(room, 0)).select("_row", pl.col(source), col).iter_rows()
            ):
                found.append(RowError(int(row), column, text, reason))
        # Keep the original text for the report (the typed columns hold normalized codes).
        collected.add_errors(_with_original_text(found, frame), count=count)
    good = reasons.filter(~any_bad)
    if good.height == 0:
        return
    good = good.with_columns(
        pl.col("_disease").alias("disease"),
        pl.col("value").str.replace(r"\.0*$", "").cast(pl.Int64, strict=False).alias("_value"),
    )
    keys = good.select(SERIES_COLUMNS).unique()
    for key in keys.iter_rows():
        if key not in collected._series_index:
            collected._series_index[key] = len(collected.series_keys)
            collected.series_keys.append(key)
    mapping = pl.DataFrame(
        {
            **{c: [k[i] for k in collected.series_keys] for i, c in enumerate(SERIES_COLUMNS)},
            "series": pl.Series(range(len(collected.series_keys)), dtype=pl.UInt32),
        },
        schema={**dict.fromkeys(SERIES_COLUMNS, pl.String), "series": pl.UInt32},
    )
    joined = good.join(mapping, on=list(SERIES_COLUMNS), how="left")
    collected.frames.append(
        joined.select(
            "series",
            pl.col("_start").alias("period_start"),
            pl.col("_end").alias("period_end"),
            pl.col("_value").alias("value"),
            "_row",
        )
    )


def _with_original_text(found: list[RowError], frame: pl.DataFrame) -> list[RowError]:
    if not found:
        return found
    rows = pl.Series([e.row for e in found], dtype=pl.UInt32)
    original = frame.filter(pl.col("_row").is_in(rows.implode()))
    lookup = {row[-1]: dict(zip(frame.columns, row, strict=True)) for row in original.iter_rows()}
    return [
        RowError(e.row, e.column, lookup.get(e.row, {}).get(e.column, e.value), e.reason)
        for e in found
    ]


def check_duplicates(collected: Collected, frame: pl.DataFrame) -> None:
    """Report every row whose key already appeared earlier in the same file."""
    keys = ["series", "period_start", "period_end"]
    # One 64-bit number per key (series, start day, length) is far cheaper to hash than a
    # struct of three columns on ten million rows.
    start_days = pl.col("period_start").cast(pl.Int32).cast(pl.Int64) + 100_000
    length = (pl.col("period_end") - pl.col("period_start")).dt.total_days().cast(pl.Int64)
    packed = pl.col("series").cast(pl.UInt64) * (1 << 32) + (start_days * 256 + length).cast(
        pl.UInt64
    )
    dup = frame.filter(packed.is_duplicated())
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
                f"duplicate key: the same series and period is on line {first}",
            )
            for row, start, first in reported.select("_row", "period_start", "_first").iter_rows()
        ),
        count=dup.height,
    )
