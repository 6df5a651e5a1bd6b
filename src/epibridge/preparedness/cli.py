"""`epibridge preparedness`: WHO's determinations, the IHR directory, communication tests."""

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
from epibridge.notifications.statuses import WhoDetermination
from epibridge.preparedness import service
from epibridge.preparedness.schemas import (
    CommunicationTestCreate,
    DeterminationWrite,
    DirectoryEntryWrite,
)
from epibridge.preparedness.service import communication

preparedness_app = typer.Typer(
    help="IHR preparedness: WHO's determinations, the focal-point directory, communication tests."
)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
Text = Annotated[str | None, typer.Option()]


@preparedness_app.command("determine")
@report_errors
def determine(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(help="The event.")],
    determination: Annotated[
        WhoDetermination, typer.Option(help="none, pheic or pandemic_emergency.")
    ],
    determined_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    ended_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    source: Annotated[str | None, typer.Option(help="Where WHO announced it.")] = None,
    as_user: AsOption = None,
) -> None:
    """Record WHO's determination on an event (the Secretariat's)."""
    data = DeterminationWrite(
        determination=determination,
        determined_on=parse_day(determined_on, "--determined-on"),
        ended_on=parse_day(ended_on, "--ended-on"),
        source=source,
    )
    with writing_as(ctx, as_user) as (session, actor):
        read = service.record_determination(session, actor=actor, event_id=event_id, data=data)
    typer.echo(f"event {event_id}: {read.determination} ({read.determined_on or '-'})")


@preparedness_app.command("directory")
@report_errors
def directory(
    ctx: typer.Context, as_user: AsOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Every member state's IHR contacts and the day each last confirmed them."""
    with reading_as(ctx, as_user) as (session, actor):
        items = service.entries(session, actor=actor)
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} member states",
        ("State", "Focal point", "24/7 phone", "E-mail", "Authority", "Confirmed", "Due"),
        (
            (
                e.state,
                e.focal_point_name or "",
                e.duty_phone or "",
                e.focal_point_email or "",
                e.authority_name or "",
                str(e.confirmed_on or ""),
                "DUE" if e.confirmation_due else "",
            )
            for e in items
        ),
    )


@preparedness_app.command("directory-set")
@report_errors
def directory_set(
    ctx: typer.Context,
    state: Annotated[str, typer.Argument(help="ISO3 of your state.")],
    as_user: Annotated[str, typer.Option("--as", help="A focal point of the state (audited).")],
    focal_point: Text = None,
    email: Text = None,
    duty_phone: Text = None,
    languages: Annotated[str, typer.Option(help="Comma-separated codes, e.g. kk,ru.")] = "",
    authority: Text = None,
    authority_email: Text = None,
    authority_phone: Text = None,
) -> None:
    """Write your state's directory entry (every field as given)."""
    data = DirectoryEntryWrite.model_validate(
        {
            "focal_point_name": focal_point,
            "focal_point_email": email,
            "duty_phone": duty_phone,
            "languages": [c.strip() for c in languages.split(",") if c.strip()],
            "authority_name": authority,
            "authority_email": authority_email,
            "authority_phone": authority_phone,
        }
    )
    with writing_as(ctx, as_user) as (session, actor):
        service.save_entry(session, actor=actor, state=state, data=data)
    typer.echo(f"{state.upper()}: directory entry saved")


@preparedness_app.command("directory-confirm")
@report_errors
def directory_confirm(
    ctx: typer.Context,
    state: Annotated[str, typer.Argument(help="ISO3 of your state.")],
    as_user: Annotated[str, typer.Option("--as", help="A focal point of the state (audited).")],
) -> None:
    """Confirm that your state's entry is current (for a year)."""
    with writing_as(ctx, as_user) as (session, actor):
        read = service.confirm_entry(session, actor=actor, state=state)
    typer.echo(f"{read.state}: confirmed on {read.confirmed_on}")


@preparedness_app.command("remind")
@report_errors
def remind(ctx: typer.Context) -> None:
    """Send the yearly reminders to confirm now (the scheduler does it every hour)."""
    with writing_as(ctx) as (session, actor):
        reminded = service.remind_unconfirmed(session, actor=actor)
    typer.echo(f"reminded: {' '.join(reminded) or 'none due'}")


@preparedness_app.command("test-launch")
@report_errors
def test_launch(ctx: typer.Context, note: Text = None, as_user: AsOption = None) -> None:
    """Send a TEST message to every member state's focal points."""
    with writing_as(ctx, as_user) as (session, actor):
        test = service.launch(session, actor=actor, data=CommunicationTestCreate(note=note))
        test_id, states = test.id, len(test.states)
    typer.echo(f"TEST {test_id}: sent to the focal points of {states} member states")


@preparedness_app.command("test-ack")
@report_errors
def test_ack(
    ctx: typer.Context,
    test_id: Annotated[int, typer.Argument(help="The communication test.")],
    as_user: Annotated[str, typer.Option("--as", help="A focal point (audited).")],
) -> None:
    """Acknowledge a communication test for your state."""
    with writing_as(ctx, as_user) as (session, actor):
        answer = service.acknowledge(session, actor=actor, test_id=test_id)
    typer.echo(f"TEST {test_id}: {answer.state} acknowledged at {answer.acknowledged_at}")


@preparedness_app.command("test-report")
@report_errors
def test_report(
    ctx: typer.Context,
    test_id: Annotated[int, typer.Argument(help="The communication test.")],
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead.")] = False,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Who answered a communication test within 1 hour, within 24 hours, later, not at all."""
    with reading_as(ctx, as_user) as (session, actor):
        found = service.report(session, actor=actor, test_id=test_id)
    if csv:
        typer.echo(communication.report_csv(found), nl=False)
        return
    if fmt is OutputFormat.json:
        echo_json(found)
        return
    print_table(
        f"TEST {test_id}: {found.test.answered} of {len(found.test.states)} states answered",
        ("State", "Acknowledged", "Minutes", "Answer"),
        (
            (
                a.state,
                str(a.acknowledged_at or ""),
                "" if a.minutes is None else str(a.minutes),
                a.answer_time.value,
            )
            for a in found.answers
        ),
    )
