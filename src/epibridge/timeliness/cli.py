"""Commands of 7-1-7 timeliness (`epibridge timeliness`): show an event's milestones, record
them, and print scorecards."""

from __future__ import annotations

from typing import Annotated

import typer

from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    echo_json,
    parse_day,
    print_table,
    reading_as,
    report_errors,
    writing_as,
)
from epibridge.db import utcnow
from epibridge.timeliness import service
from epibridge.timeliness.schemas import (
    ActionRecord,
    FactorCreate,
    MilestonesUpdate,
    ScorecardRow,
    TimelinessRead,
)
from epibridge.timeliness.statuses import (
    ActionOutcome,
    EarlyAction,
    FactorCategory,
    FactorKind,
    Interval,
)

app = typer.Typer(help="7-1-7 timeliness: milestones per event, early response, scorecards.")

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
StateOption = Annotated[str | None, typer.Option(help="ISO3 of one state (default: region).")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Events notified on or after YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Events notified on or before.")]


def _days(value: int | None, met: bool | None) -> str:
    if value is None:
        return "open"
    return f"{value} d ({'met' if met else 'MISSED'})"


def _print(read: TimelinessRead) -> None:
    typer.echo(f"#{read.event_id} {read.state}: {read.title}")
    for name, milestone in (
        ("emergence", read.emergence),
        ("detection", read.detection),
        ("notification", read.notification),
        ("early response completed", read.early_response),
    ):
        source = f", source: {milestone.source}" if milestone.source else ""
        origin = f" ({milestone.origin}{source})" if milestone.origin else ""
        typer.echo(f"{name}: {milestone.date or 'not yet'}{origin}")
    t = read.targets_met
    typer.echo(
        f"detect {_days(read.detect_days, t.detect)}; notify {_days(read.notify_days, t.notify)};"
        f" respond {_days(read.respond_days, t.respond)}"
    )
    print_table(
        "Early response actions",
        ("Action", "Outcome", "Completed", "Note"),
        (
            (a.action, a.outcome or "not recorded", str(a.completed_on or ""), a.note or "")
            for a in read.actions
        ),
    )
    if read.factors:
        print_table(
            "Bottlenecks and enablers",
            ("ID", "Kind", "Interval", "Category", "Description"),
            ((str(f.id), f.kind, f.stage, f.category, f.description) for f in read.factors),
        )


@app.command("show")
@report_errors
def show(
    ctx: typer.Context,
    event_id: int,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show an event's milestones, intervals, targets and early response actions."""
    with reading_as(ctx, as_user) as (session, actor):
        read = service.to_read(service.get(session, actor=actor, event_id=event_id))
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    _print(read)


@app.command("milestones")
@report_errors
def milestones(
    ctx: typer.Context,
    event_id: int,
    emergence: Annotated[str | None, typer.Option(help="Emergence date YYYY-MM-DD.")] = None,
    emergence_source: Annotated[str | None, typer.Option(help="Where it comes from.")] = None,
    national: Annotated[
        str | None,
        typer.Option(help="Earlier notification to the national authority, YYYY-MM-DD."),
    ] = None,
    national_source: Annotated[str | None, typer.Option(help="Where it comes from.")] = None,
    clear_emergence: Annotated[bool, typer.Option(help="Use the onset date again.")] = False,
    clear_national: Annotated[bool, typer.Option(help="Forget the national date.")] = False,
    as_user: AsOption = None,
) -> None:
    """Record the emergence date or an earlier national notification (options left out keep
    what was recorded)."""
    with writing_as(ctx, as_user) as (session, actor):
        current = service.to_read(service.get(session, actor=actor, event_id=event_id))
        kept_emergence = current.emergence.origin == "recorded" and not clear_emergence
        kept_national = current.notification.origin == "national" and not clear_national
        data = MilestonesUpdate(
            emergence_date=parse_day(emergence, "--emergence")
            or (current.emergence.date if kept_emergence else None),
            emergence_source=emergence_source
            or (current.emergence.source if kept_emergence else None),
            national_notification_date=parse_day(national, "--national")
            or (current.notification.date if kept_national else None),
            national_notification_source=national_source
            or (current.notification.source if kept_national else None),
        )
        read = service.to_read(
            service.set_milestones(session, actor=actor, event_id=event_id, data=data)
        )
    _print(read)


@app.command("action")
@report_errors
def action(
    ctx: typer.Context,
    event_id: int,
    name: Annotated[
        EarlyAction,
        typer.Argument(
            metavar="ACTION",
            show_choices=False,
            help="The early response action: " + ", ".join(a.value for a in EarlyAction) + ".",
        ),
    ],
    completed: Annotated[str | None, typer.Option(help="Day it was completed.")] = None,
    not_needed: Annotated[bool, typer.Option(help="Not needed for this event.")] = False,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    as_user: AsOption = None,
) -> None:
    """Record an early response action: completed on a day, or not needed."""
    data = ActionRecord(
        outcome=ActionOutcome.NOT_NEEDED if not_needed else ActionOutcome.COMPLETED,
        completed_on=parse_day(completed, "--completed"),
        note=note,
    )
    with writing_as(ctx, as_user) as (session, actor):
        read = service.to_read(
            service.record_action(session, actor=actor, event_id=event_id, action=name, data=data)
        )
    _print(read)


@app.command("factor")
@report_errors
def factor(
    ctx: typer.Context,
    event_id: int,
    kind: Annotated[FactorKind, typer.Option(help="bottleneck or enabler.")],
    stage: Annotated[Interval, typer.Option(help="The interval it bore on.")],
    category: Annotated[
        FactorCategory,
        typer.Option(
            show_choices=False,
            help="The category: " + ", ".join(c.value for c in FactorCategory) + ".",
        ),
    ],
    description: Annotated[str, typer.Option(help="What happened.")],
    as_user: AsOption = None,
) -> None:
    """Record a bottleneck or an enabler of one interval."""
    data = FactorCreate(kind=kind, stage=stage, category=category, description=description)
    with writing_as(ctx, as_user) as (session, actor):
        read = service.to_read(
            service.add_factor(session, actor=actor, event_id=event_id, data=data)
        )
    _print(read)


@app.command("withdraw-factor")
@report_errors
def withdraw_factor(
    ctx: typer.Context,
    event_id: int,
    factor_id: Annotated[int, typer.Argument(help="The ID `timeliness show` lists.")],
    as_user: AsOption = None,
) -> None:
    """Withdraw a bottleneck or an enabler recorded by mistake (the audit log keeps it)."""
    with writing_as(ctx, as_user) as (session, actor):
        read = service.to_read(
            service.remove_factor(session, actor=actor, event_id=event_id, factor_id=factor_id)
        )
    _print(read)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _row(row: ScorecardRow) -> tuple[str, ...]:
    c = row.card
    medians = "/".join(
        "–" if c.intervals[str(i)].median_days is None else f"{c.intervals[str(i)].median_days:g}"
        for i in Interval
    )
    return (
        row.period,
        row.state or "region",
        str(c.events),
        _share(c.detect),
        _share(c.notify),
        _share(c.respond),
        _share(c.all),
        medians,
        _share(c.verification.share_within_24h),
        str(c.bottlenecks[0].category) if c.bottlenecks else "",
    )


@app.command("scorecard")
@report_errors
def scorecard(
    ctx: typer.Context,
    state: StateOption = None,
    start: FromOption = None,
    end: ToOption = None,
    by: Annotated[str, typer.Option(help="quarter or year.")] = "quarter",
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Print the scorecard per quarter (or year): the region, then each state."""
    with reading_as(ctx, as_user) as (session, actor):
        rows = service.table(
            session,
            actor=actor,
            state=state,
            start=parse_day(start, "--from"),
            end=parse_day(end, "--to"),
            period=by,
            now=utcnow(),
        )
    if csv:
        typer.echo(service.to_csv(rows), nl=False)
    elif fmt is OutputFormat.json:
        echo_json([row.model_dump(mode="json", by_alias=True) for row in rows])
    else:
        print_table(
            "7-1-7 scorecard (shares of events meeting each target; medians in days)",
            (
                "Period",
                "State",
                "Events",
                "Detect",
                "Notify",
                "Respond",
                "All",
                "Median d/n/r",
                "Verif. 24h",
                "Top bottleneck",
            ),
            map(_row, rows),
        )
