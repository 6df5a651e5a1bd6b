"""The nowcasting results as CSV, the same bytes from the API and the command line."""

from __future__ import annotations

import csv
import io

from epibridge.nowcasting.schemas import (
    BacktestRead,
    NowcastRead,
    ReportingDelayRead,
    TriangleRead,
)

NOWCAST_COLUMNS: tuple[str, ...] = (
    "period_start",
    "observed",
    "nowcast",
    "q05",
    "q25",
    "q50",
    "q75",
    "q95",
)


def number(value: float | int | None) -> str:
    """A count as a count (``12``), an estimate to twelve significant digits, none as empty."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return format(value, ".12g")


def _written(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def nowcast_csv(result: NowcastRead) -> str:
    """``period_start,observed,nowcast,q05,q25,q50,q75,q95``: the Contract's columns."""
    return _written(
        list(NOWCAST_COLUMNS),
        [
            [str(p.period_start), *(number(getattr(p, name)) for name in NOWCAST_COLUMNS[1:])]
            for p in result.points
        ],
    )


def triangle_csv(result: TriangleRead) -> str:
    """One row per state and period: ``d0 .. dD`` the value as known at each delay."""
    header = [
        "state",
        "period_start",
        "period_end",
        *(f"d{d}" for d in range(result.max_delay + 1)),
        "synthetic",
    ]
    return _written(
        header,
        [
            [
                s.state,
                str(r.period_start),
                str(r.period_end),
                *(number(v) for v in r.values),
                "true" if s.synthetic else "false",
            ]
            for s in result.series
            for r in s.rows
        ],
    )


def delay_csv(result: list[ReportingDelayRead]) -> str:
    return _written(
        ["state", "disease", "periods", "median_delay", "p90_delay", "synthetic"],
        [
            [
                r.state,
                r.disease,
                str(r.periods),
                number(r.median_delay),
                number(r.p90_delay),
                "true" if r.synthetic else "false",
            ]
            for r in result
        ],
    )


BACKTEST_COLUMNS: tuple[str, ...] = (
    "state",
    "estimate",
    "step",
    "wis",
    "coverage_50",
    "coverage_90",
    "bias",
    "n",
)


def backtest_csv(result: BacktestRead) -> str:
    """The per-state scores, then the means over every state (``state`` = ``ALL``)."""
    return _written(
        list(BACKTEST_COLUMNS),
        [
            [
                r.state,
                r.estimate,
                str(r.step),
                *(number(getattr(r, c)) for c in BACKTEST_COLUMNS[3:]),
            ]
            for r in [*result.rows, *result.summary]
        ],
    )
