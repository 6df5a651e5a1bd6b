"""Commands for event notifications (`epibridge notify`)."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from epibridge.cli_support import acting_as, console, echo_json, reading, report_errors, writing
from epibridge.errors import FieldError, InvalidInput
from epibridge.notifications import service
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Principal

notify_app = typer.Typer(help="Event notifications: list, show, create, export CAP, remind.")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
AsRequired = Annotated[
    str, typer.Option("--as", help="Act as this account (its permissions apply; audited).")
]


def _principal(session: Session, name: str | None) -> Principal:
    """The operator, or the account named with ``--as`` (its permissions apply)."""
    return acting_as(session, name)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{option} must be a date YYYY-MM-DD", [FieldError(option, "malformed date", value)]
        ) from None


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
    with reading(ctx) as session:
        page = service.list_events(
            session,
            actor=_principal(session, as_user),
            limit=max(1, min(limit, 10000)),
            state=state,
            disease=disease,
            status=status,
            q=q,
            onset_from=_day(onset_from, "--onset-from"),
            onset_to=_day(onset_to, "--onset-to"),
            exercise=exercise,
            overdue=overdue,
        )
        items = page.map(service.to_summary).items
    if fmt is OutputFormat.json:
        echo_json([i.model_dump(mode="json") for i in items])
        return
    table = Table(title=f"{len(items)} notifications")
    for column in (
        "ID",
        "State",
        "Status",
        "Disease",
        "Title",
        "Onset",
        "S/P/C/D",
        "Risk",
        "Flags",
    ):
        table.add_column(column, overflow="fold")
    for i in items:
        flags = " ".join(f for f, on in (("EXERCISE", i.exercise), ("OVERDUE", i.overdue)) if on)
        c = i.counts
        table.add_row(
            str(i.id),
            i.state,
            f"{i.status} v{i.version}",
            i.disease,
            i.title,
            str(i.onset_date),
            f"{c.suspected_cases}/{c.probable_cases}/{c.confirmed_cases}/{c.deaths}",
            i.risk_level or "",
            flags,
        )
    console.print(table)


@notify_app.command("show")
@report_errors
def show(
    ctx: typer.Context,
    event_id: int,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one event with its acknowledgements, assessments and timeline."""
    with reading(ctx) as session:
        actor = _principal(session, as_user)
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
        f"suspected {c.suspected_cases}, probable {c.probable_cases}, "
        f"confirmed {c.confirmed_cases}, deaths {c.deaths}"
    )
    if read.annex2:
        late = " OVERDUE" if read.overdue else ""
        typer.echo(f"Annex 2: {read.annex2.outcome} (deadline {read.annex2.deadline}){late}")
    typer.echo(f"risk: {read.risk.consolidated or 'not assessed'}")
    acks = ", ".join(a["state"] for a in read.acknowledgements.acknowledged) or "none"
    typer.echo(
        f"acknowledged: {acks}; pending: {', '.join(read.acknowledgements.pending) or 'none'}"
    )
    table = Table(title="Timeline")
    for column in ("At (UTC)", "What", "Who", "State"):
        table.add_column(column)
    for entry in timeline:
        table.add_row(f"{entry.at:%Y-%m-%d %H:%M}", entry.kind, entry.actor, entry.state or "")
    console.print(table)


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
    with reading(ctx) as session:
        xml = service.export(session, actor=_principal(session, as_user), event_id=event_id)
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
        raise InvalidInput(f"cannot read {file}", [FieldError("file", str(exc))]) from None
    data = NotificationCreate.model_validate(raw)
    with writing(ctx) as session:
        event = service.create(session, actor=_principal(session, as_user), data=data)
        event_id, status = event.id, event.status
    typer.echo(f"notification {event_id} {status}")


@notify_app.command("import-cap")
@report_errors
def import_cap(ctx: typer.Context, file: Path, as_user: AsRequired) -> None:
    """Import a CAP 1.2 alert file as a national system account."""
    xml = file.read_bytes()
    with writing(ctx) as session:
        event, changed = service.import_alert(session, actor=_principal(session, as_user), xml=xml)
        event_id = event.id
    typer.echo(f"notification {event_id} {'imported' if changed else 'already imported'}")


@notify_app.command("remind")
@report_errors
def remind(ctx: typer.Context, event_id: int, as_user: AsRequired) -> None:
    """Remind the member states that have not acknowledged an event."""
    with writing(ctx) as session:
        states = service.remind(session, actor=_principal(session, as_user), event_id=event_id)
    typer.echo(f"reminded {len(states)} state(s): {' '.join(states)}")
