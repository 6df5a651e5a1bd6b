"""Every check a submitted row must pass, vectorized over a batch with Polars.

Checks run column by column over whole batches (no Python loop per row), so validating ten
million rows takes seconds. A rejected row is reported once per bad column, with the text the
sender wrote. Rows that pass are kept in compact typed columns (series index, dates, value)
until the whole file has been checked; nothing is written before that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

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
from epibridge.epidata.validation_errors import report_bad
from epibridge.errors import reason_of
from epibridge.i18n import N_, Text
from epibridge.notifications.diseases import validate_disease_code
from epibridge.text import MIN_DATE, POLARS_DISALLOWED, printable

_MAX_DIGITS = 15  # counts up to 10**15 - 1: far beyond any population, safe in int64
_UNSAFE = N_("a control character, NUL or other character that cannot be published")


def latest_today() -> date:
    """The latest calendar date anywhere on Earth now (UTC+14): the last day that has begun.

    A period is future data when it has not begun anywhere yet; judging by UTC alone would
    refuse a Chinese daily report sent just after midnight Beijing time.
    """
    return (datetime.now(UTC) + timedelta(hours=14)).date()


@dataclass
class Collected:
    """The validated rows of a whole file and the bad ones found so far."""

    state: str
    #: The current day: periods that begin after it are future data (injected by tests).
    today: date = field(default_factory=latest_today)
    series_keys: list[tuple[str, ...]] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    row_count: int = 0
    _series_index: dict[tuple[str, ...], int] = field(default_factory=dict)
    _diseases: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    _codes: dict[str, dict[str, tuple[str | None, str]]] = field(default_factory=dict)
    _days: dict[str, tuple[date | None, str]] = field(default_factory=dict)
    #: Whether the submitter may back-date rows (``reported_on``): see ``backdating``.
    may_backdate: bool = False

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
                    "reported_on": pl.Date,
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
                cached = (None, reason_of(exc))
            self._diseases[raw] = cached
        return cached


_Rule = Callable[[str], tuple[str | None, str]]


def _rules(collected: Collected) -> dict[str, _Rule]:
    """For each code column: raw text -> (normalized value, "") or (None, reason)."""
    state = collected.state
    areas = areas_of(state)
    age = re.compile(AGE_GROUP_PATTERN)

    def state_rule(raw: str) -> tuple[str | None, str]:
        code = raw.upper()
        if code == state:
            return code, ""
        return None, Text(
            N_("not the submitting state {state}: a file carries one state's data"),
            {"state": state},
        )

    def area_rule(raw: str) -> tuple[str | None, str]:
        code = raw.upper()
        if code == "" or code in areas:
            return code, ""
        return None, Text(
            N_("not an ISO 3166-2 subdivision of {state} (leave empty for the whole state)"),
            {"state": state},
        )

    def closed(values: tuple[str, ...], what: str, empty: bool = False) -> _Rule:
        def rule(raw: str) -> tuple[str | None, str]:
            code = raw.lower()
            if code in values or (empty and code == ""):
                return code, ""
            return None, Text(what, {"choices": values})

        return rule

    def age_rule(raw: str) -> tuple[str | None, str]:
        if raw == "" or age.fullmatch(raw):
            return raw, ""
        return None, N_("not an age group such as 0-4, 65+ or <1 (empty: all ages)")

    return {
        "state": state_rule,
        "area": area_rule,
        "disease": collected.disease,
        "metric": closed(METRICS, N_("unknown metric: {choices}")),
        "classification": closed(CLASSIFICATIONS, N_("unknown classification: {choices}")),
        "age_group": age_rule,
        "sex": closed(SEXES, N_("unknown sex: {choices}"), empty=True),
    }


def _day(raw: str) -> tuple[date | None, str]:
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if day < MIN_DATE:
                return None, Text(
                    N_("before {day}: no record is that old"), {"day": MIN_DATE.isoformat()}
                )
            return day, ""
    return None, N_("not a date YYYY-MM-DD")


def _checked_uniques(
    cache: dict[str, tuple[object, str]], rule: Callable[[str], tuple[object, str]], uniques: list
) -> None:
    """Fill ``cache`` with the verdict on each distinct raw text not judged before."""
    for raw in uniques:
        if raw not in cache:
            cache[raw] = rule(raw)


def _code_columns(
    collected: Collected,
    frame: pl.DataFrame,
    columns: list[pl.Expr],
    masks: dict[str, pl.Expr],
    reasons: dict[str, dict[str, str]],
) -> None:
    """Check each code column by its distinct values: bad-row masks, normalizing columns."""
    for name, rule in _rules(collected).items():
        cache = collected._codes.setdefault(name, {})
        uniques = frame[name].unique().to_list()
        _checked_uniques(cache, rule, uniques)
        mapping = {raw: cache[raw][0] for raw in uniques if cache[raw][0] is not None}
        bad = {raw: cache[raw][1] for raw in uniques if cache[raw][0] is None}
        if bad:
            masks[name] = pl.col(name).is_in(list(bad))
            reasons[name] = bad
        if any(raw != norm for raw, norm in mapping.items()):
            columns.append(
                pl.col(name).replace_strict(mapping, default=None, return_dtype=pl.String)
            )


def _date_columns(
    collected: Collected,
    frame: pl.DataFrame,
    columns: list[pl.Expr],
    masks: dict[str, pl.Expr],
    reasons: dict[str, dict[str, str]],
) -> None:
    """Check both period dates by their distinct values: bad-row masks, typed dates."""
    for name, target in (
        ("period_start", "_start"),
        ("period_end", "_end"),
        ("reported_on", "_reported"),
    ):
        cache_days = collected._days
        uniques = [raw for raw in frame[name].unique().to_list() if raw or name != "reported_on"]
        _checked_uniques(cache_days, _day, uniques)
        mapping_days = {raw: cache_days[raw][0] for raw in uniques if cache_days[raw][0]}
        bad_days = {raw: cache_days[raw][1] for raw in uniques if cache_days[raw][0] is None}
        if bad_days:
            masks[name] = pl.col(name).is_in(list(bad_days))
            reasons[name] = bad_days
        columns.append(
            pl.col(name)
            .replace_strict(mapping_days, default=None, return_dtype=pl.Date)
            .alias(target)
        )


def _number_expr(frame: pl.DataFrame) -> pl.Expr:
    """The count as an Int64 expression (null where it is not a whole number)."""
    value = pl.col("value")
    number = value.cast(pl.Int64, strict=False)
    if frame.select(((value != "") & number.is_null()).any()).item():
        # "3.0" is a whole number written as a decimal: accept it, refuse "2.5".
        whole = value.str.replace(r"^(\d+)\.0*$", "${1}").cast(pl.Int64, strict=False)
        number = pl.when(number.is_null()).then(whole).otherwise(number)
    return number


def _row_masks(collected: Collected, masks: dict[str, pl.Expr]) -> None:
    """Add the row-by-row checks on the typed columns: period shape, future data, count."""
    value = pl.col("value")
    days = (pl.col("_end") - pl.col("_start")).dt.total_days()
    is_week = (pl.col("_start").dt.weekday() == 1) & (days == 6)
    is_month = (pl.col("_start").dt.day() == 1) & (
        pl.col("_end") == pl.col("_start").dt.month_end()
    )
    masks["period"] = (
        pl.col("_start").is_not_null()
        & pl.col("_end").is_not_null()
        & ~((days == 0) | is_week | is_month)
    ).fill_null(False)
    masks["future"] = (pl.col("_start") > pl.lit(collected.today)).fill_null(False)
    reported = pl.col("_reported")
    masks["reported"] = (
        reported.is_not_null()
        & (
            (reported > pl.lit(collected.today))
            | (reported < pl.col("_end"))
            | pl.lit(not collected.may_backdate)
        )
    ).fill_null(False)
    masks["value"] = (
        (value != "")
        & (
            pl.col("_value").is_null()
            | (pl.col("_value") < 0)
            | (value.str.len_bytes() > _MAX_DIGITS + 8)
            | (pl.col("_value") >= 10**_MAX_DIGITS)
        )
    ).fill_null(True)


def _keep_good(collected: Collected, good: pl.DataFrame) -> None:
    """Keep the good rows as compact typed columns, their series numbered across the file."""
    keys = good.select(SERIES_COLUMNS).unique(maintain_order=True)
    for key in keys.iter_rows():
        if key not in collected._series_index:
            collected._series_index[key] = len(collected.series_keys)
            collected.series_keys.append(key)
    mapping_keys = pl.DataFrame(
        {
            **{c: [k[i] for k in collected.series_keys] for i, c in enumerate(SERIES_COLUMNS)},
            "series": pl.Series(range(len(collected.series_keys)), dtype=pl.UInt32),
        },
        schema={**dict.fromkeys(SERIES_COLUMNS, pl.String), "series": pl.UInt32},
    )
    joined = good.join(mapping_keys, on=list(SERIES_COLUMNS), how="left")
    collected.frames.append(
        joined.select(
            "series",
            pl.col("_start").alias("period_start"),
            pl.col("_end").alias("period_end"),
            pl.col("_value").alias("value"),
            pl.col("_reported").alias("reported_on"),
            "_row",
        )
    )


def check_batch(collected: Collected, batch: Batch) -> None:
    """Validate one batch, keeping its good rows and reporting its bad ones in ``collected``.

    Codes and dates have few distinct values, so each distinct value is checked once in
    Python and mapped back; only counts and period shapes are checked row by row (in Polars).
    """
    collected.add_errors(batch.errors)
    frame = batch.frame
    collected.row_count += frame.height + len({e.row for e in batch.errors})
    if not batch.text_checked:
        frame = _without_unsafe_text(collected, frame)
    if frame.height == 0:
        return
    columns: list[pl.Expr] = []
    masks: dict[str, pl.Expr] = {}
    reasons: dict[str, dict[str, str]] = {}
    _code_columns(collected, frame, columns, masks, reasons)
    _date_columns(collected, frame, columns, masks, reasons)
    columns.append(_number_expr(frame).alias("_value"))
    typed = frame.with_columns(columns)
    _row_masks(collected, masks)
    flags = typed.with_columns([mask.alias(f"_bad_{name}") for name, mask in masks.items()])
    flag_columns = [f"_bad_{name}" for name in masks]
    any_bad = pl.any_horizontal(flag_columns)
    bad = flags.filter(any_bad)
    if bad.height:
        report_bad(collected, frame, bad, masks, reasons)
    good = flags.filter(~any_bad)
    if good.height == 0:
        return
    _keep_good(collected, good)


def _without_unsafe_text(collected: Collected, frame: pl.DataFrame) -> pl.DataFrame:
    """Report and drop the rows with a value holding a character no stored text may hold."""
    names = [c for c in frame.columns if c != "_row" and frame.schema[c] == pl.String]
    flags = [pl.col(c).str.contains(POLARS_DISALLOWED).fill_null(False) for c in names]
    if not frame.select(pl.any_horizontal(flags).any()).item():
        return frame
    flagged = frame.with_columns([f.alias(f"_u_{c}") for f, c in zip(flags, names, strict=True)])
    bad = flagged.filter(pl.any_horizontal([f"_u_{c}" for c in names]))
    collected.add_errors(
        RowError(int(row["_row"]), c, printable(row[c], 120), _UNSAFE)
        for row in bad.iter_rows(named=True)
        for c in names
        if row[f"_u_{c}"]
    )
    return frame.filter(~pl.any_horizontal(flags))
