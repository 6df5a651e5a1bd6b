"""The row errors of a validated batch: one per bad column, with the text the sender wrote.

Apart from ``validation`` only to keep each file readable; ``report_bad`` is its last step.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from epibridge.epidata.codes import MAX_REPORTED_ERRORS
from epibridge.epidata.reading import RowError
from epibridge.i18n import N_, Text

if TYPE_CHECKING:
    from epibridge.epidata.validation import Collected


def _value_reason(raw: str) -> str:
    if re.fullmatch(r"-\d+(\.\d*)?", raw):
        return N_("negative count: counts are non-negative integers")
    if re.fullmatch(r"\d+\.\d+", raw):
        return N_("not an integer: counts are whole numbers")
    if re.fullmatch(r"\d+", raw):
        return N_("implausibly large count")
    return N_("not a number (leave empty for 'not reported')")


def _period_reason(start: date, end: date) -> str:
    days = (end - start).days
    if days < 0:
        return N_("period_end is before period_start")
    if days == 6:
        return N_("not an ISO week: a week runs Monday to Sunday")
    return N_("the period is not a day, an ISO week (Monday-Sunday) or a calendar month")


def _reported_reason(collected: Collected, reported: date, end: date) -> str:
    if not collected.may_backdate:
        return N_(
            "only the Secretariat, an administrator or the state's own system account may "
            "back-date figures (reported_on): leave the column out"
        )
    if reported > collected.today:
        return Text(
            N_("reported_on is after today ({today}): a figure cannot be known in the future"),
            {"today": collected.today},
        )
    return Text(
        N_("reported_on is before the period's end ({end}): a figure is known after its period"),
        {"end": end},
    )


def _mask_errors(
    collected: Collected, name: str, sample: pl.DataFrame, reasons: dict[str, dict[str, str]]
) -> list[RowError]:
    """The row errors of the sampled rows that failed the check ``name``."""
    if name == "period":
        return [
            RowError(int(row), "period_end", raw_end, _period_reason(start, end))
            for row, raw_end, start, end in sample.select(
                "_row", "period_end", "_start", "_end"
            ).iter_rows()
        ]
    if name == "future":
        return [
            RowError(
                int(row),
                "period_end",
                raw_end,
                Text(
                    N_("the period ends after the current one (today is {today}): no future data"),
                    {"today": collected.today},
                ),
            )
            for row, raw_end in sample.select("_row", "period_end").iter_rows()
        ]
    if name == "reported":
        return [
            RowError(int(row), "reported_on", raw, _reported_reason(collected, reported, end))
            for row, raw, reported, end in sample.select(
                "_row", "reported_on", "_reported", "_end"
            ).iter_rows()
        ]
    if name == "value":
        return [
            RowError(int(row), "value", raw, _value_reason(raw))
            for row, raw in sample.select("_row", "value").iter_rows()
        ]
    return [
        RowError(int(row), name, raw, reasons[name][raw])
        for row, raw in sample.select("_row", name).iter_rows()
    ]


def report_bad(
    collected: Collected,
    frame: pl.DataFrame,
    bad: pl.DataFrame,
    masks: dict[str, pl.Expr],
    reasons: dict[str, dict[str, str]],
) -> None:
    """Report the bad rows once per failed check, up to the reporting limit, with the text sent."""
    found: list[RowError] = []
    count = 0
    for name in masks:
        hits = bad.filter(pl.col(f"_bad_{name}"))
        count += hits.height
        room = max(MAX_REPORTED_ERRORS - len(collected.errors) - len(found), 0)
        found.extend(_mask_errors(collected, name, hits.head(room), reasons))
    # Report the text as sent (the typed columns hold normalized codes).
    collected.add_errors(_with_original_text(found, frame), count=count)


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
