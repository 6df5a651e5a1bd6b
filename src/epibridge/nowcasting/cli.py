"""`epibridge data triangle|nowcast|reporting-delay`: the nowcasting commands of the data group.

They are registered on ``epidata.cli.data_app`` (the Contract names them under ``data``); the
rules are in ``nowcasting.service``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from epibridge.cli_selector import selector_options
from epibridge.cli_support import echo_json, operator, print_table, reading, report_errors
from epibridge.epidata.selector import IDENTITY, SeriesSelector
from epibridge.nowcasting import export, service, track_record

nowcast_app = typer.Typer()

_FIELDS = (*IDENTITY, "granularity")
MaxDelay = Annotated[int, typer.Option("--max-delay", help="Largest delay D, in periods.")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="What was known then: YYYY-MM-DD (its end) or ISO timestamp."),
]


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


Format = Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")]


class Method(StrEnum):
    chain_ladder = "chain-ladder"
    bayes = "bayes"


def _written(fmt: TableFormat, result: Any, to_csv: Callable[[Any], str]) -> bool:
    """Write ``result`` as CSV or JSON when asked; False leaves the table to the caller."""
    if fmt is TableFormat.csv:
        sys.stdout.write(to_csv(result))
        return True
    if fmt is TableFormat.json:
        echo_json(result)
        return True
    return False


@nowcast_app.command("triangle")
@report_errors
@selector_options(states="many", fields=_FIELDS)
def triangle(
    ctx: typer.Context,
    selector: SeriesSelector,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[
        int | None, typer.Option(help="How many periods (default 3 x max delay).")
    ] = None,
    fmt: Format = TableFormat.table,
) -> None:
    """Print the reporting triangle: each period's value as known 0..D periods after its end."""
    with reading(ctx) as session:
        result = service.triangle(
            session,
            actor=operator(),
            selector=service.at_as_of(selector, as_of),
            max_delay=max_delay,
            periods=periods,
        )
    if _written(fmt, result, export.triangle_csv):
        return
    for item in result.series:
        label = " [SYNTHETIC demo data]" if item.synthetic else ""
        print_table(
            f"{item.state} {result.disease} {result.metric}: reporting triangle, "
            f"as of {result.as_of:%Y-%m-%d %H:%M} UTC{label}",
            ["Period start", *(f"d{d}" for d in range(result.max_delay + 1))],
            [[str(r.period_start), *(export.number(v) for v in r.values)] for r in item.rows],
        )


@nowcast_app.command("nowcast")
@report_errors
@selector_options(states="one", fields=_FIELDS)
def nowcast(
    ctx: typer.Context,
    selector: SeriesSelector,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    method: Annotated[Method, typer.Option(help="chain-ladder or bayes.")] = Method.chain_ladder,
    fmt: Format = TableFormat.table,
) -> None:
    """Print the last 3 x D periods: observed, nowcast and its 5-95% quantiles."""
    with reading(ctx) as session:
        result = service.nowcast(
            session,
            actor=operator(),
            selector=service.at_as_of(selector, as_of),
            max_delay=max_delay,
            method=method.value,
        )
    if _written(fmt, result, export.nowcast_csv):
        return
    label = " [SYNTHETIC demo data]" if result.synthetic else ""
    print_table(
        f"{result.state} nowcast ({result.method}), as of {result.as_of:%Y-%m-%d %H:%M} UTC{label}",
        [c.replace("_", " ") for c in export.NOWCAST_COLUMNS],
        [
            [
                str(p.period_start),
                *(export.number(getattr(p, c)) for c in export.NOWCAST_COLUMNS[1:]),
            ]
            for p in result.points
        ],
    )


@nowcast_app.command("reporting-delay")
@report_errors
@selector_options(states="many", fields=_FIELDS)
def reporting_delay(
    ctx: typer.Context,
    selector: SeriesSelector,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[int, typer.Option(help="Complete periods to learn from.")] = 52,
    fmt: Format = TableFormat.table,
) -> None:
    """Print the median and 90th-percentile reporting delay of each state, in periods."""
    with reading(ctx) as session:
        result = service.reporting_delay(
            session,
            actor=operator(),
            selector=service.at_as_of(selector, as_of),
            max_delay=max_delay,
            periods=periods,
        )
    if _written(fmt, result, export.delay_csv):
        return
    print_table(
        f"Reporting delay of {selector.disease} (periods of a {selector.granularity})",
        ["State", "Periods", "Median", "90th percentile"],
        [
            [
                r.state + (" [SYNTHETIC]" if r.synthetic else ""),
                str(r.periods),
                export.number(r.median_delay),
                export.number(r.p90_delay),
            ]
            for r in result
        ],
    )


@nowcast_app.command("backtest")
@report_errors
@selector_options(states="many", fields=_FIELDS)
def backtest(
    ctx: typer.Context,
    selector: SeriesSelector,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[int, typer.Option(help="Periods of history replayed.")] = 104,
    method: Annotated[Method, typer.Option(help="chain-ladder or bayes.")] = Method.chain_ladder,
    fmt: Format = TableFormat.table,
) -> None:
    """Replay past nowcasts and forecasts; print their scores beside the naive baseline's."""
    with reading(ctx) as session:
        result = track_record.backtest(
            session,
            actor=operator(),
            selector=service.at_as_of(selector, as_of),
            max_delay=max_delay,
            periods=periods,
            method=method.value,
        )
    if _written(fmt, result, export.backtest_csv):
        return
    print_table(
        f"Backtest of {result.method} over {result.periods} periods "
        f"(as of {result.as_of:%Y-%m-%d %H:%M} UTC), means over every state",
        ["Estimate", "Step", "WIS", "50% cover", "90% cover", "Bias", "N"],
        [
            [
                r.estimate,
                str(r.step),
                *(
                    export.number(getattr(r, c))
                    for c in ("wis", "coverage_50", "coverage_90", "bias", "n")
                ),
            ]
            for r in result.summary
        ],
    )
