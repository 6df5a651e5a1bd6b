"""DHIS2 values to epibridge observations: joins on the mapping, no Python loop per value.

The mapping's three sections become small frames joined to the values; each distinct period
is parsed once (``periods``). The result has exactly the columns of an observations file
(``epidata.codes``), so the epidemic database checks it as it checks a CSV submission. Values
whose data element, category option combo or org unit the mapping does not know are set
aside as *ignored* with one conflict per unknown identifier; a period that is not a DHIS2
period refuses the request (it is a malformed value, not an unmapped one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from epibridge.gateways.dhis2 import periods
from epibridge.gateways.dhis2.parsing import Parsed
from epibridge.i18n import N_
from epibridge.text import printable

#: DHIS2's default category option combo (and attribute option combo), by UID and by code.
DEFAULT_COMBO = {"UID": "HllvX50cXC0", "CODE": "default"}
MAX_INDEXES = 20
OUTPUT = (
    "state",
    "area",
    "disease",
    "metric",
    "classification",
    "period_start",
    "period_end",
    "value",
    "age_group",
    "sex",
)


@dataclass(frozen=True)
class ValueConflict:
    """One DHIS2 conflict: the object (an identifier) and why, as a message id."""

    object: str
    message: str
    params: dict[str, Any]
    indexes: list[int] = field(default_factory=list)


@dataclass
class Translated:
    rows: pl.DataFrame  # OUTPUT columns and ``_i``, the value's position in the request
    ignored: list[ValueConflict]
    refused: list[ValueConflict]
    ignored_count: int = 0


def _table(
    entries: dict[str, Any], key: str, columns: dict[str, Callable[[Any], str]]
) -> pl.DataFrame:
    data: dict[str, list[str]] = {key: list(entries)}
    for name, pick in columns.items():
        data[name] = [pick(v) for v in entries.values()]
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def _period_table(frame: pl.DataFrame, intervals: bool) -> tuple[pl.DataFrame, list[str]]:
    parse = periods.parse_interval if intervals else periods.parse_period
    known: dict[str, list[str | None]] = {"period": [], "period_start": [], "period_end": []}
    bad = []
    for text in frame["period"].drop_nulls().unique().to_list():
        found = parse(text)
        if found is None:
            bad.append(text)
            continue
        known["period"].append(text)
        known["period_start"].append(found[0].isoformat())
        known["period_end"].append(found[1].isoformat())
    return pl.DataFrame(known, schema=dict.fromkeys(known, pl.String)), bad


def _sample(frame: pl.DataFrame, mask: pl.Expr) -> tuple[list[int], dict[str, str], int]:
    hit = frame.filter(mask)
    first = hit.row(0, named=True)
    # Echoed, never stored: shortened and made printable (an id may be any text).
    named = {k: printable(str(first[k] or ""), 60) for k in ("dataElement", "orgUnit", "period")}
    return hit["_i"].head(MAX_INDEXES).to_list(), named, hit.height


#: Per kind of identifier: why its values are ignored (each names element, unit and period).
UNMAPPED = {
    "dataElement": N_(
        "data element {id} is not in the mapping of {state}: {count} value(s) ignored "
        "(first: data element {dataElement}, org unit {orgUnit}, period {period})"
    ),
    "categoryOptionCombo": N_(
        "category option combo {id} is not in the mapping of {state}: {count} value(s) "
        "ignored (first: data element {dataElement}, org unit {orgUnit}, period {period})"
    ),
    "orgUnit": N_(
        "org unit {id} is not in the mapping of {state}: {count} value(s) ignored "
        "(first: data element {dataElement}, org unit {orgUnit}, period {period})"
    ),
}


def _unmapped(
    frame: pl.DataFrame, column: str, known: pl.Series, state: str
) -> list[ValueConflict]:
    missing = frame.filter(~pl.col(column).is_in(known.implode()).fill_null(False))
    out = []
    for ident in missing[column].unique(maintain_order=True).head(100).to_list():
        mask = pl.col(column).is_null() if ident is None else pl.col(column) == ident
        indexes, named, count = _sample(frame, mask)
        shown = printable(str(ident or ""), 60)
        params = {"id": shown, "count": count, "state": state, **named}
        out.append(ValueConflict(shown, UNMAPPED[column], params, indexes))
    return out


def translate(parsed: Parsed, *, state: str, scheme: str, content: dict[str, Any]) -> Translated:
    """The observations of ``parsed`` for ``state``, and the conflicts found on the way."""
    frame = parsed.values.with_row_index("_i").with_columns(
        pl.col("categoryOptionCombo")
        .fill_null(DEFAULT_COMBO[scheme])
        .replace("", DEFAULT_COMBO[scheme]),
    )
    elements = _table(
        content["data_elements"],
        "dataElement",
        {"disease": lambda v: v["disease"], "metric": lambda v: v["metric"]},
    )
    combos = _table(
        content["category_option_combos"],
        "categoryOptionCombo",
        {
            "classification": lambda v: v["classification"],
            "age_group": lambda v: v["age_group"],
            "sex": lambda v: v["sex"],
        },
    )
    units = _table(content["org_units"], "orgUnit", {"area": lambda v: v})
    table, bad_periods = _period_table(frame, parsed.intervals)
    refused = []
    for text in bad_periods[:100]:
        indexes, named, count = _sample(frame, pl.col("period") == text)
        refused.append(
            ValueConflict(
                printable(text, 60),
                N_(
                    "not a DHIS2 period: {count} value(s) (first: data element {dataElement}, "
                    "org unit {orgUnit}, period {period})"
                ),
                {"count": count, **named},
                indexes,
            )
        )
    missing_period = frame.filter(pl.col("period").is_null())
    if missing_period.height:
        indexes, named, count = _sample(frame, pl.col("period").is_null())
        refused.append(
            ValueConflict(
                "period",
                N_(
                    "no period: {count} value(s) (first: data element {dataElement}, "
                    "org unit {orgUnit})"
                ),
                {"count": count, **named},
                indexes,
            )
        )
    ignored = [
        *_unmapped(frame, "dataElement", elements["dataElement"], state),
        *_unmapped(frame, "categoryOptionCombo", combos["categoryOptionCombo"], state),
        *_unmapped(frame, "orgUnit", units["orgUnit"], state),
    ]
    # In the request's order, so that a refused value's row leads back to it (``_i``).
    joined = (
        frame.join(elements, on="dataElement", how="inner", maintain_order="left")
        .join(combos, on="categoryOptionCombo", how="inner", maintain_order="left")
        .join(units, on="orgUnit", how="inner", maintain_order="left")
        .join(table, on="period", how="inner", maintain_order="left")
    )
    rows = joined.select(
        pl.lit(state).alias("state"),
        "area",
        "disease",
        "metric",
        "classification",
        "period_start",
        "period_end",
        pl.col("value").fill_null(""),
        "age_group",
        "sex",
        "_i",
    )
    dropped = frame.height - rows.height if not refused else 0
    return Translated(rows=rows, ignored=ignored, refused=refused, ignored_count=dropped)
