"""``epibridge detect run|schedule|signals|confirm|dismiss``: detection over the stored data.

Their own Typer app, which ``detection.cli`` merges into ``detect`` the first time a command
is looked up (``detect file`` works on CSV files and needs no database, so it does not load
this module); these commands use the configured database. This module does not import
``detection.cli``: the merge goes one way only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from epibridge.cli_support import (
    echo_json,
    err_console,
    is_terminal,
    print_table,
    reading_as,
    report_errors,
    sessions_for,
    settings_of,
    writing_as,
)
from epibridge.detection import service
from epibridge.detection.schemas import RunOptions, RunReport, SignalDismiss
from epibridge.detection.service.common import DETECTION_ACTOR
from epibridge.detection.statuses import SignalStatus

app = typer.Typer()

StateOpt = Annotated[
    list[str] | None, typer.Option("--state", help="Only this state (repeatable).")
]
DiseaseOpt = Annotated[
    list[str] | None, typer.Option("--disease", help="Only this ICD-10 code (repeatable).")
]


def _options(
    state: list[str] | None,
    disease: list[str] | None,
    method: str | None,
    since: datetime | None,
    last: int,
    metric: list[str] | None,
    changed: bool,
    dataset: str,
    as_of: datetime | None,
    granularity: str = "week",
    nowcast: bool = False,
    max_delay: int = 8,
) -> RunOptions:
    return RunOptions.model_validate(
        {
            "states": state or None,
            "diseases": disease or None,
            "method": method,
            "since": since.date() if since else None,
            "last": last,
            "metrics": metric or ["cases"],
            "changed": changed,
            "dataset": dataset,
            "granularity": granularity,
            "as_of": as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of,
            "nowcast": nowcast,
            "max_delay": max_delay,
        }
    )


def _run(ctx: typer.Context, options: RunOptions) -> RunReport:
    sessions = sessions_for(settings_of(ctx))
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not is_terminal(),
        transient=True,
    ) as bar:
        task = bar.add_task("series", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        # The engine is a component: what it stores says ``system:detection``, as the schedule's.
        return service.run(sessions, options=options, actor=DETECTION_ACTOR, progress=advance)


def _print_report(report: RunReport) -> None:
    typer.echo(
        f"run {report.run_id} (data as of {report.as_of:%Y-%m-%d %H:%M:%S} UTC): "
        f"{report.series} series ({report.skipped} too short), {report.evaluated} points, "
        f"{report.alarms} alarms; {report.opened} new signals, {report.updated} updated, "
        f"{report.notifications} draft notifications; {report.messages_read} submissions read"
    )


Method = Annotated[
    str | None,
    typer.Option(
        help="Only this method (ears-c1/c2/c3, farrington, noufaily); default per series."
    ),
]
Since = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="Monitor every period from this date (YYYY-MM-DD)."),
]
Last = Annotated[int, typer.Option(help="Monitor the last N periods (without --since).")]
Metric = Annotated[
    list[str] | None, typer.Option("--metric", help="Metric(s) to watch (default: cases).")
]
Changed = Annotated[
    bool, typer.Option(help="Only series touched by submissions since they were last run.")
]
Dataset = Annotated[
    str, typer.Option(help="sco (member states), reference (outside datasets) or all.")
]
Nowcast = Annotated[
    bool,
    typer.Option(
        "--nowcast/--no-nowcast",
        help="Judge counts corrected for reporting delay (incomplete periods: nowcast median).",
    ),
]
MaxDelay = Annotated[
    int, typer.Option(help="Largest reporting delay the nowcast learns, in periods (1-52).")
]
AsOf = Annotated[
    datetime | None,
    typer.Option(help="Use the data as known at this moment (UTC; default: now)."),
]


@app.command("run")
@report_errors
def run(
    ctx: typer.Context,
    state: StateOpt = None,
    disease: DiseaseOpt = None,
    method: Method = None,
    since: Since = None,
    last: Last = 4,
    metric: Metric = None,
    changed: Changed = False,
    dataset: Dataset = "sco",
    as_of: AsOf = None,
    granularity: Annotated[
        str, typer.Option(help="week (ISO weeks, the default) or month.")
    ] = "week",
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    nowcast: Nowcast = False,
    max_delay: MaxDelay = 8,
) -> None:
    """Run detection over the epidemic database and store alarms as signals."""
    options = _options(
        state,
        disease,
        method,
        since,
        last,
        metric,
        changed,
        dataset,
        as_of,
        granularity,
        nowcast=nowcast,
        max_delay=max_delay,
    )
    report = _run(ctx, options)
    if json:
        echo_json(report.model_dump(mode="json"))
    else:
        _print_report(report)


@app.command("schedule")
@report_errors
def schedule(
    ctx: typer.Context,
    every: Annotated[float, typer.Option(help="Minutes between full runs.")] = 60.0,
    changed_every: Annotated[
        float, typer.Option(help="Minutes between runs over series changed by submissions.")
    ] = 1.0,
    last: Last = 4,
    metric: Metric = None,
    times: Annotated[
        int, typer.Option(help="Stop after this many runs (0: run until interrupted).")
    ] = 0,
) -> None:
    """Run detection in a loop: changed series often, every series now and then."""
    done = 0
    next_full = 0.0
    while times == 0 or done < times:
        now = time.monotonic()
        full = now >= next_full
        if full:
            next_full = now + every * 60
        options = _options(None, None, None, None, last, metric, not full, "sco", None)
        options.nowcast = settings_of(ctx).detection_nowcast
        report = _run(ctx, options)
        _print_report(report)
        done += 1
        if times and done >= times:
            break
        time.sleep(max(0.0, changed_every * 60))


@app.command("signals")
@report_errors
def signals(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    disease: Annotated[str | None, typer.Option(help="Only this ICD-10 code.")] = None,
    status: Annotated[
        SignalStatus | None, typer.Option(help="Only signals in this status.")
    ] = None,
    method: Annotated[str | None, typer.Option(help="Only this method.")] = None,
    dataset: Annotated[str | None, typer.Option(help="sco, reference or reference:NAME.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List detection signals, newest first."""
    with reading_as(ctx) as (session, actor):
        page = service.list_signals(
            session,
            principal=actor,
            state=state,
            disease=disease,
            status=status,
            method=method,
            dataset=dataset,
            limit=limit,
        )
        items = page.map(service.to_read).items
    if json:
        echo_json(items)
        return
    print_table(
        "Detection signals (newest first)",
        ("#", "Dataset", "Series", "Period", "Method", "Obs", "Upper", "Status", "Draft"),
        (
            (
                str(i.id),
                i.dataset + (" SYNTHETIC" if i.synthetic else ""),
                i.title,
                f"{i.period_start}..{i.period_end}",
                i.method,
                "" if i.observed is None else f"{i.observed:g}",
                "" if i.upperbound is None else f"{i.upperbound:.1f}",
                i.status + ("" if i.alarm else " (no longer alarming)"),
                "" if i.notification_id is None else str(i.notification_id),
            )
            for i in items
        ),
        overflow="fold",
    )


@app.command("confirm")
@report_errors
def confirm(ctx: typer.Context, signal_id: int) -> None:
    """Confirm a signal on the state's behalf, which notifies its draft notification."""
    with writing_as(ctx) as (session, actor):
        signal = service.to_read(service.confirm(session, actor=actor, signal_id=signal_id))
    typer.echo(f"signal {signal.id} confirmed; notification {signal.notification_id} notified")


@app.command("dismiss")
@report_errors
def dismiss(
    ctx: typer.Context,
    signal_id: int,
    reason: Annotated[str, typer.Option(help="Why it is not an outbreak.")],
) -> None:
    """Dismiss a signal on the state's behalf with the reason."""
    with writing_as(ctx) as (session, actor):
        signal = service.to_read(
            service.dismiss(
                session, actor=actor, signal_id=signal_id, data=SignalDismiss(reason=reason)
            )
        )
    typer.echo(f"signal {signal.id} dismissed: {signal.reason}")
