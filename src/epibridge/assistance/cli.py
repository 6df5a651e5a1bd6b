"""Commands for emergency assistance (`epibridge assistance`)."""

from __future__ import annotations

from typing import Annotated

import typer

from epibridge.assistance import service
from epibridge.assistance.schemas import (
    CommitmentCreate,
    CommitmentStatusUpdate,
    CommitmentStep,
    LineIn,
    OfferCreate,
    OfferLineRead,
    RequestCreate,
    RequestLineRead,
)
from epibridge.assistance.statuses import RequestStatus, Urgency
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
from epibridge.errors import FieldError, InvalidInput

assistance_app = typer.Typer(
    help="Emergency assistance: requests, offers, commitments, delivery, the board."
)


LinesOption = Annotated[
    list[str], typer.Option("--line", help="ITEM:QUANTITY:UNIT, e.g. ppe-gloves:1000:pair; repeat.")
]


def _lines(values: list[str]) -> list[LineIn]:
    lines = []
    for index, value in enumerate(values):
        parts = value.split(":")
        if len(parts) != 3 or not parts[1].lstrip("-").isdigit():
            raise InvalidInput(
                "a line is ITEM:QUANTITY:UNIT",
                [FieldError(f"--line {index + 1}", "malformed", value)],
            )
        lines.append(LineIn(item=parts[0], quantity=int(parts[1]), unit=parts[2]))
    return lines


def _progress(lines: list[RequestLineRead] | list[OfferLineRead]) -> str:
    """Each line as ITEM LEFT/QUANTITY UNIT (left: still needed, or still available)."""
    return "; ".join(f"{x.item} {x.remaining}/{x.quantity} {x.unit}" for x in lines)


@assistance_app.command("catalogue")
@report_errors
def catalogue(fmt: FormatOption = OutputFormat.table) -> None:
    """List the items that can be requested and offered, with their units."""
    items = list(service.catalogue().values())
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} catalogue items",
        ("Code", "Name", "Category", "Unit"),
        ((i.code, i.name, i.category, i.unit) for i in items),
    )


@assistance_app.command("request")
@report_errors
def request(
    ctx: typer.Context,
    state: Annotated[str, typer.Option(help="The requesting state (ISO3).")],
    urgency: Annotated[Urgency, typer.Option(help="immediate, expected or future.")],
    point: Annotated[str, typer.Option("--delivery-point", help="Where to deliver.")],
    needed_by: Annotated[str, typer.Option(help="Date YYYY-MM-DD.")],
    line: LinesOption,
    event: Annotated[int | None, typer.Option(help="Notification event id.")] = None,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Record a request for assistance (RequestResource); prints its id."""
    data = RequestCreate(
        state=state,
        urgency=urgency,
        delivery_point=point,
        needed_by=parse_day(needed_by, "--needed-by"),
        event_id=event,
        note=note,
        lines=_lines(line),
    )
    with writing_as(ctx) as (session, actor):
        created = service.create_request(session, actor=actor, data=data)
        request_id = created.id
    typer.echo(f"request {request_id} recorded")


@assistance_app.command("offer")
@report_errors
def offer(
    ctx: typer.Context,
    line: LinesOption,
    state: Annotated[
        str | None, typer.Option(help="The offering state (ISO3); omit for the Secretariat.")
    ] = None,
    answers: Annotated[int | None, typer.Option(help="The request id it answers.")] = None,
    expected_delivery: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD.")] = None,
    commit: Annotated[bool, typer.Option(help="Pledge it to the request at once.")] = False,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Record an offer, answering a request or unsolicited; prints its id."""
    data = OfferCreate(
        state=state,
        request_id=answers,
        expected_delivery=parse_day(expected_delivery, "--expected-delivery"),
        commit=commit,
        note=note,
        lines=_lines(line),
    )
    with writing_as(ctx) as (session, actor):
        created = service.create_offer(session, actor=actor, data=data)
        offer_id = created.id
    typer.echo(f"offer {offer_id} recorded")


@assistance_app.command("commit")
@report_errors
def commit_(
    ctx: typer.Context,
    request_line: Annotated[int, typer.Option(help="Request line id.")],
    offer_line: Annotated[int, typer.Option(help="Offer line id.")],
    quantity: Annotated[int, typer.Option(help="How much to pledge.")],
    expected_delivery: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD.")] = None,
) -> None:
    """Pledge part of an offer line to a request line (CommitResource)."""
    data = CommitmentCreate(
        request_line_id=request_line,
        offer_line_id=offer_line,
        quantity=quantity,
        expected_delivery=parse_day(expected_delivery, "--expected-delivery"),
    )
    with writing_as(ctx) as (session, actor):
        commitment = service.commit(session, actor=actor, data=data)
        commitment_id = commitment.id
    typer.echo(f"commitment {commitment_id} pledged")


@assistance_app.command("status")
@report_errors
def status(
    ctx: typer.Context,
    commitment_id: int,
    step: Annotated[
        CommitmentStep, typer.Argument(help="dispatched, delivered, confirmed, released.")
    ],
    on: Annotated[str | None, typer.Option(help="Date it happened (default today).")] = None,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Move a commitment on (dispatched, delivered, confirmed, released)."""
    data = CommitmentStatusUpdate(status=step, on=parse_day(on, "--on"), note=note)
    with writing_as(ctx) as (session, actor):
        service.change_status(session, actor=actor, commitment_id=commitment_id, data=data)
    typer.echo(f"commitment {commitment_id} {step}")


@assistance_app.command("cancel")
@report_errors
def cancel(
    ctx: typer.Context,
    request_id: int,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Cancel a request; pledges not yet dispatched are released."""
    with writing_as(ctx) as (session, actor):
        service.cancel_request(session, actor=actor, request_id=request_id, reason=reason)
    typer.echo(f"request {request_id} cancelled")


@assistance_app.command("withdraw")
@report_errors
def withdraw(
    ctx: typer.Context,
    offer_id: int,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Withdraw an offer; pledges not yet dispatched are released."""
    with writing_as(ctx) as (session, actor):
        service.withdraw_offer(session, actor=actor, offer_id=offer_id, reason=reason)
    typer.echo(f"offer {offer_id} withdrawn")


@assistance_app.command("requests")
@report_errors
def requests(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only this state's requests.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open ones.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List requests with what remains needed."""
    with reading_as(ctx) as (session, actor):
        items = service.list_requests(
            session,
            actor=actor,
            state=state,
            status=RequestStatus.OPEN if open_only else None,
            limit=100000,
        ).items
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} requests",
        ("ID", "State", "Urgency", "Needed by", "Status", "Lines (remaining/asked)"),
        (
            (
                str(r.id),
                r.state,
                r.urgency,
                str(r.needed_by),
                r.status + (" OVERDUE" if r.overdue else ""),
                _progress(r.lines),
            )
            for r in items
        ),
    )


@assistance_app.command("offers")
@report_errors
def offers(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="ISO3 or SECRETARIAT.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List offers with what remains available."""
    with reading_as(ctx) as (session, actor):
        items = service.list_offers(session, actor=actor, state=state, limit=100000).items
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} offers",
        ("ID", "Kind", "By", "Request", "Status", "Lines (available/offered)"),
        (
            (
                str(o.id),
                o.message_kind,
                o.offered_by,
                str(o.request_id or ""),
                o.status,
                _progress(o.lines),
            )
            for o in items
        ),
    )


@assistance_app.command("board")
@report_errors
def board(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show open needs and pledges not yet confirmed, overdue ones first."""
    with reading_as(ctx) as (session, actor):
        result = service.board(session, actor=actor, state=state, today=utcnow().date())
    if fmt is OutputFormat.json:
        echo_json(result)
        return
    t = result.totals
    typer.echo(
        f"as of {result.as_of}: {t.open_needs} open needs ({t.overdue_needs} overdue), "
        f"{t.active_pledges} active pledges ({t.overdue_pledges} overdue)"
    )
    print_table(
        "Open needs",
        ("Request", "State", "Item", "Remaining", "Urgency", "Needed by", ""),
        (
            (
                str(n.request_id),
                n.state,
                n.item,
                f"{n.remaining}/{n.quantity} {n.unit}",
                n.urgency,
                str(n.needed_by),
                "OVERDUE" if n.overdue else "",
            )
            for n in result.needs
        ),
    )
    print_table(
        "Pledges",
        ("#", "From", "To", "Item", "Quantity", "Status", "Expected", ""),
        (
            (
                str(p.id),
                p.offered_by,
                p.requesting_state,
                p.item,
                f"{p.quantity} {p.unit}",
                p.status,
                str(p.expected_delivery or ""),
                f"OVERDUE: {p.overdue_reason}" if p.overdue else "",
            )
            for p in result.pledges
        ),
    )
