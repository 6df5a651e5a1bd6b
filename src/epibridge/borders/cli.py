"""Commands for border crossings, their status and lanes (`epibridge borders`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from epibridge import paging
from epibridge.borders import service, views
from epibridge.borders.schemas import LaneCreate, ReportedStatus, StatusReportCreate
from epibridge.borders.statuses import CrossingKind, CrossingStatus, Direction, LaneKind, Traffic
from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    choice_enum,
    echo_json,
    parse_day,
    print_table,
    reading,
    report_errors,
    writing_as,
)
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

borders_app = typer.Typer(help="Border crossings: registry, status by side, green and fast lanes.")
lanes_app = typer.Typer(help="Green lanes (priority freight) and fast lanes (essential personnel).")
borders_app.add_typer(lanes_app, name="lanes")


#: The domain's directions and kinds of traffic, and ``both`` (two reports) on the command line.
DirectionChoice = choice_enum("DirectionChoice", Direction, "both")
TrafficChoice = choice_enum("TrafficChoice", Traffic, "both")


def _parse_time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            N_("{option} must be an ISO date-time"),
            [FieldError(option, "malformed", value)],
            params={"option": option},
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput(
            N_("{option} needs a time zone (e.g. 2026-01-01T08:00:00+06:00 or ...Z)"),
            [FieldError(option, "time zone missing", value)],
            params={"option": option},
        )
    return parsed


@borders_app.command("load-registry")
@report_errors
def load_registry(ctx: typer.Context) -> None:
    """Load or refresh the shipped registry of real crossings between member states."""
    with writing_as(ctx) as (session, actor):
        result = service.load_registry(session, actor=actor)
    typer.echo(
        f"border crossings: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@borders_app.command("list")
@report_errors
def list_(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only crossings of this state (ISO3).")] = None,
    kind: Annotated[CrossingKind | None, typer.Option(help="Only this kind.")] = None,
    status: Annotated[CrossingStatus | None, typer.Option(help="Only this status now.")] = None,
    conflict: Annotated[bool, typer.Option(help="Only crossings whose sides disagree.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List border crossings with the status each side reports now."""
    with reading(ctx) as session:
        crossings = paging.every(
            lambda cursor: service.list_crossings(
                session,
                state=state,
                kind=kind,
                status=status,
                conflict_only=conflict,
                cursor=cursor,
                limit=500,
            )
        )
        items = list(crossings)
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} border crossings",
        ("ID", "Name", "States", "Kind", "Side A", "Side B", "Conflict"),
        (
            (
                str(item.id),
                item.name,
                "–".join(item.states),
                item.kind,
                *(f"{side.state} {side.status}" for side in item.sides),
                "CONFLICT" if item.conflict else "",
            )
            for item in items
        ),
    )


@borders_app.command("show")
@report_errors
def show(ctx: typer.Context, crossing_id: int, fmt: FormatOption = OutputFormat.table) -> None:
    """Show one crossing: both sides' current reports, lanes and targets."""
    from epibridge.db import utcnow

    with reading(ctx) as session:
        crossing = service.get_crossing(session, crossing_id=crossing_id)
        reports = service.current_reports(session, crossing_ids=[crossing.id])
        lanes = service.lanes_for(session, crossing_ids=[crossing.id], on=utcnow().date())
        read = views.crossing_read(
            crossing, reports.get(crossing.id, []), lanes.get(crossing.id, [])
        )
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    coords = read.coordinates
    typer.echo(
        f"{read.name} [{read.kind}] {read.states[0]}–{read.states[1]} at "
        f"{coords.latitude}, {coords.longitude}{' (approximate)' if coords.approximate else ''}"
    )
    typer.echo(f"status: {read.status}{' — the sides disagree' if read.conflict else ''}")
    for side in read.sides:
        typer.echo(f"  {side.state} ({side.post}): {side.status}")
        for r in side.reports:
            typer.echo(
                f"    {r.direction} {r.traffic}: {r.status}, C8={r.measures_c8}, "
                f"wait {r.wait_minutes if r.wait_minutes is not None else '?'} min"
            )
    for c in read.conflicts:
        typer.echo(
            f"  conflict: {c.traffic} {c.flow_from}→{c.flow_to}: outbound {c.outbound_status}, "
            f"inbound {c.inbound_status}"
        )
    for lane in read.lanes:
        verdict = {True: "meets", False: "MISSES", None: "no waiting time reported for"}[
            lane.meets_target
        ]
        typer.echo(
            f"  {lane.kind} lane {lane.lane_name}: {verdict} its {lane.target_minutes} min target"
        )
    typer.echo(f"source: {read.source}")


@borders_app.command("history")
@report_errors
def history(
    ctx: typer.Context,
    crossing_id: int,
    side: Annotated[str | None, typer.Option(help="Only this side (ISO3).")] = None,
    last: Annotated[int, typer.Option(help="How many of the newest reports.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show the status history of one crossing, newest first."""
    with reading(ctx) as session:
        crossing = service.get_crossing(session, crossing_id=crossing_id)
        page = service.history(session, crossing_id=crossing_id, limit=last, side=side)
        reads = page.map(views.report_read).items
    if fmt is OutputFormat.json:
        echo_json(reads)
        return
    print_table(
        f"History of {crossing.name}",
        ("#", "Side", "Direction", "Traffic", "Status", "C8", "Wait", "From", "Until"),
        (
            (
                str(r.id),
                r.side,
                r.direction,
                r.traffic,
                r.status,
                str(r.measures_c8),
                "" if r.wait_minutes is None else str(r.wait_minutes),
                f"{r.effective_from:%Y-%m-%d %H:%M}",
                f"{r.effective_until:%Y-%m-%d %H:%M}" if r.effective_until else "",
            )
            for r in reads
        ),
    )


@borders_app.command("report-status")
@report_errors
def report_status(
    ctx: typer.Context,
    crossing_id: int,
    side: Annotated[str, typer.Option(help="The reporting side (ISO3).")],
    status: Annotated[ReportedStatus, typer.Option(help="open, restricted or closed.")],
    c8: Annotated[int, typer.Option("--c8", help="OxCGRT C8 measures code, 0–4.")],
    effective_from: Annotated[
        str, typer.Option("--from", help="ISO date-time with time zone it takes effect.")
    ],
    direction: Annotated[
        DirectionChoice, typer.Option(help="Relative to the side; both = two reports.")
    ] = DirectionChoice.both,
    traffic: Annotated[
        TrafficChoice, typer.Option(help="both = two reports.")
    ] = TrafficChoice.both,
    until: Annotated[str | None, typer.Option("--until", help="ISO date-time it ends.")] = None,
    wait: Annotated[int | None, typer.Option(help="Waiting time in minutes.")] = None,
    capacity: Annotated[
        float | None, typer.Option(help="Current capacity as a share of normal (0–1).")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Health measures in words.")] = None,
) -> None:
    """Report one side's status (all in one transaction: every report or none)."""
    directions = list(Direction) if direction is DirectionChoice.both else [Direction(direction)]
    kinds = list(Traffic) if traffic is TrafficChoice.both else [Traffic(traffic)]
    start = _parse_time(effective_from, "--from")
    end = _parse_time(until, "--until")
    ids = []
    with writing_as(ctx) as (session, actor):
        for d in directions:
            for t in kinds:
                data = StatusReportCreate(
                    side=side,
                    direction=d,
                    traffic=t,
                    status=status,
                    capacity_share=capacity,
                    wait_minutes=wait,
                    measures_c8=c8,
                    measures_text=text,
                    effective_from=start,  # type: ignore[arg-type]
                    effective_until=end,
                )
                report = service.report_status(
                    session, actor=actor, crossing_id=crossing_id, data=data
                )
                ids.append(report.id)
    typer.echo(f"recorded {len(ids)} report(s): {', '.join(map(str, ids))}")


@lanes_app.command("list")
@report_errors
def lanes_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only lanes of this state (ISO3).")] = None,
    kind: Annotated[LaneKind | None, typer.Option(help="green or fast.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List green and fast lanes."""
    with reading(ctx) as session:
        page = service.list_lanes(session, state=state, kind=kind, limit=10000)
        reads = page.map(views.lane_read).items
    if fmt is OutputFormat.json:
        echo_json(reads)
        return
    print_table(
        f"{len(reads)} lanes",
        ("ID", "Kind", "Name", "States", "Crossings", "Target", "Valid"),
        (
            (
                str(r.id),
                r.kind,
                r.name,
                ", ".join(r.states),
                ", ".join(map(str, r.crossing_ids)),
                f"{r.target_minutes} min",
                f"{r.valid_from} – {r.valid_until or ''}",
            )
            for r in reads
        ),
    )


@lanes_app.command("create")
@report_errors
def lanes_create(
    ctx: typer.Context,
    kind: Annotated[LaneKind, typer.Option(help="green (freight) or fast (people).")],
    name: Annotated[str, typer.Option(help="Name of the lane.")],
    state: Annotated[list[str], typer.Option(help="A party state (ISO3); repeat.")],
    crossing: Annotated[list[int], typer.Option(help="A crossing id; repeat.")],
    valid_from: Annotated[str, typer.Option("--from", help="Date YYYY-MM-DD it starts.")],
    until: Annotated[str | None, typer.Option("--until", help="Date it ends.")] = None,
    target: Annotated[int, typer.Option(help="Target crossing time, minutes.")] = 15,
    document: Annotated[list[str] | None, typer.Option(help="A document accepted; repeat.")] = None,
    checks: Annotated[str | None, typer.Option(help="Checks applied.")] = None,
    hours: Annotated[str | None, typer.Option(help="Hours the lane operates.")] = None,
    agreement: Annotated[str | None, typer.Option(help="Reference of the agreement.")] = None,
) -> None:
    """Record a lane agreed between states over some crossings."""
    data = LaneCreate(
        kind=kind,
        name=name,
        states=state,
        crossing_ids=crossing,
        documents_accepted=document or [],
        checks=checks,
        hours=hours,
        target_minutes=target,
        agreement=agreement,
        valid_from=parse_day(valid_from, "--from"),
        valid_until=parse_day(until, "--until") if until else None,
    )
    with writing_as(ctx) as (session, actor):
        lane = service.create_lane(session, actor=actor, data=data)
        lane_id = lane.id
    typer.echo(f"lane {lane_id} recorded")


@lanes_app.command("delete")
@report_errors
def lanes_delete(ctx: typer.Context, lane_id: int) -> None:
    """Remove a lane (the audit log keeps what it was)."""
    with writing_as(ctx) as (session, actor):
        service.delete_lane(session, actor=actor, lane_id=lane_id)
    typer.echo(f"lane {lane_id} removed")
