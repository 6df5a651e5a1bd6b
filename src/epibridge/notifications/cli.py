"""Commands for event notifications (`epibridge notify`)."""

from __future__ import annotations

import json
from pathlib import Path
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
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications import service
from epibridge.notifications.schemas import NotificationCreate, NotificationSummary
from epibridge.notifications.statuses import EventStatus

notify_app = typer.Typer(help="Event notifications: list, show, create, export CAP, remind.")


#: How a count a state did not report is printed: never as 0, and never as Python's "None".
NOT_REPORTED = "not reported"
NOT_REPORTED_CELL = "–"
COUNTS_LEGEND = (
    f"S/P/C/D: suspected, probable and confirmed cases, deaths; {NOT_REPORTED_CELL} {NOT_REPORTED}."
)


def _count(value: int | None, missing: str = NOT_REPORTED) -> str:
    return missing if value is None else str(value)


AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
AsRequired = Annotated[
    str, typer.Option("--as", help="Act as this account (its permissions apply; audited).")
]


@notify_app.command("list")
@report_errors
def list_(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="ISO3 of the notifying state.")] = None,
    disease: Annotated[str | None, typer.Option(help="ICD-10 code (subcodes too).")] = None,
    status: Annotated[
        EventStatus | None, typer.Option(help="Only events with this status.")
    ] = None,
    q: Annotated[str | None, typer.Option(help="Words in the title or description.")] = None,
    onset_from: Annotated[str | None, typer.Option(help="Onset on or after YYYY-MM-DD.")] = None,
    onset_to: Annotated[str | None, typer.Option(help="Onset on or before YYYY-MM-DD.")] = None,
    exercise: Annotated[
        bool | None, typer.Option("--exercise/--real", help="Only drills, or only real events.")
    ] = None,
    overdue: Annotated[
        bool | None, typer.Option("--overdue/--on-time", help="Notification deadline missed.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest events.")] = 50,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List events, newest first."""
    with reading_as(ctx, as_user) as (session, actor):
        page = service.list_events(
            session,
            actor=actor,
            limit=max(1, min(limit, 10000)),
            state=state,
            disease=disease,
            status=status,
            q=q,
            onset_from=parse_day(onset_from, "--onset-from"),
            onset_to=parse_day(onset_to, "--onset-to"),
            exercise=exercise,
            overdue=overdue,
        )
        items = page.map(service.to_summary).items
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} notifications",
        ("ID", "State", "Status", "Disease", "Title", "Onset", "S/P/C/D", "Risk", "Flags"),
        map(_summary_row, items),
        overflow="fold",
    )
    if items:
        typer.echo(COUNTS_LEGEND)


def _summary_row(i: NotificationSummary) -> tuple[str, ...]:
    flags = " ".join(f for f, on in (("EXERCISE", i.exercise), ("OVERDUE", i.overdue)) if on)
    c = i.counts
    return (
        str(i.id),
        i.state,
        f"{i.status} v{i.version}",
        i.disease,
        i.title,
        str(i.onset_date),
        "/".join(
            _count(n, NOT_REPORTED_CELL)
            for n in (c.suspected_cases, c.probable_cases, c.confirmed_cases, c.deaths)
        ),
        i.risk_level or "",
        flags,
    )


@notify_app.command("show")
@report_errors
def show(
    ctx: typer.Context,
    event_id: int,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one event with its acknowledgements, assessments and timeline."""
    with reading_as(ctx, as_user) as (session, actor):
        read = service.get(session, actor=actor, event_id=event_id)
        timeline = service.timeline(session, actor=actor, event_id=event_id)
    if fmt is OutputFormat.json:
        echo_json(
            {
                **read.model_dump(mode="json"),
                "timeline": [t.model_dump(mode="json") for t in timeline],
            }
        )
        return
    flag = " [EXERCISE]" if read.exercise else ""
    typer.echo(f"#{read.id} {read.state} {read.status} v{read.version}{flag}: {read.title}")
    typer.echo(f"disease {read.disease} ({read.disease_name}); onset {read.onset_date}")
    c = read.counts
    typer.echo(
        f"suspected {_count(c.suspected_cases)}, probable {_count(c.probable_cases)}, "
        f"confirmed {_count(c.confirmed_cases)}, deaths {_count(c.deaths)}"
    )
    if read.annex2:
        late = " OVERDUE" if read.overdue else ""
        typer.echo(f"Annex 2: {read.annex2.outcome} (deadline {read.annex2.deadline}){late}")
    typer.echo(f"risk: {read.risk.consolidated or 'not assessed'}")
    acks = ", ".join(a["state"] for a in read.acknowledgements.acknowledged) or "none"
    typer.echo(
        f"acknowledged: {acks}; pending: {', '.join(read.acknowledgements.pending) or 'none'}"
    )
    print_table(
        "Timeline",
        ("At (UTC)", "What", "Who", "State"),
        ((f"{e.at:%Y-%m-%d %H:%M}", e.kind, e.actor, e.state or "") for e in timeline),
    )


@notify_app.command("export-cap")
@report_errors
def export_cap(
    ctx: typer.Context,
    event_id: int,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Print (or write) the CAP 1.2 XML of an event's latest message."""
    with reading_as(ctx, as_user) as (session, actor):
        xml = service.export(session, actor=actor, event_id=event_id)
    if output is None:
        typer.echo(xml.decode("utf-8"), nl=False)
    else:
        output.write_bytes(xml)
        typer.echo(f"wrote {output} ({len(xml)} bytes)")


@notify_app.command("create")
@report_errors
def create(ctx: typer.Context, file: Path, as_user: AsRequired) -> None:
    """Create an event from a JSON file (the body of POST /api/v1/notifications)."""
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            N_("cannot read {file}"), [FieldError("file", str(exc))], params={"file": file}
        ) from None
    data = NotificationCreate.model_validate(raw)
    with writing_as(ctx, as_user) as (session, actor):
        event = service.create(session, actor=actor, data=data)
        event_id, status = event.id, event.status
    typer.echo(f"notification {event_id} {status}")


@notify_app.command("import-cap")
@report_errors
def import_cap(ctx: typer.Context, file: Path, as_user: AsRequired) -> None:
    """Import a CAP 1.2 alert file as a national system account."""
    xml = file.read_bytes()
    with writing_as(ctx, as_user) as (session, actor):
        event, changed = service.import_alert(session, actor=actor, xml=xml)
        event_id = event.id
    typer.echo(f"notification {event_id} {'imported' if changed else 'already imported'}")


@notify_app.command("remind")
@report_errors
def remind(ctx: typer.Context, event_id: int, as_user: AsRequired) -> None:
    """Remind the member states that have not acknowledged an event."""
    with writing_as(ctx, as_user) as (session, actor):
        states = service.remind(session, actor=actor, event_id=event_id)
    typer.echo(f"reminded {len(states)} state(s): {' '.join(states)}")
