"""Commands of the consultation mechanism (`epibridge consult`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    echo_json,
    print_table,
    reading_as,
    report_errors,
    writing,
    writing_as,
)
from epibridge.consultations import service, views
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationClose,
    ConsultationCreate,
    DecisionCreate,
    PositionCreate,
    SignatureCreate,
)
from epibridge.consultations.statuses import ClosingOutcome, Procedure, Stance
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

app = typer.Typer(
    help="Biosecurity consultations: convene, drafts, positions, adoption, signatures."
)


AsOption = Annotated[
    str, typer.Option("--as", help="Account acting (its role and state decide what it may do).")
]


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            N_("{option} must be an ISO time with its offset, e.g. 2024-05-01T12:00:00+00:00"),
            [FieldError(option, "not an ISO time with timezone", value)],
            params={"option": option},
        )
    return moment


@app.command("list")
@report_errors
def list_(
    ctx: typer.Context,
    as_: AsOption,
    status: Annotated[str | None, typer.Option(help="requested, declined or open.")] = None,
    state: Annotated[str | None, typer.Option(help="Only those this state takes part in.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List consultations, newest first."""
    with reading_as(ctx, as_) as (session, actor):
        page = service.list_(session, actor=actor, status=status, state=state, limit=limit)
        items = views.summaries(session, page.items)
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} consultations",
        ("#", "Topic", "Status", "Convened", "By", "States", "Docs", "Open decisions"),
        (
            (
                str(i.id),
                i.topic,
                i.status,
                str(i.convened_on),
                i.convening_state or i.convenor_kind or "",
                str(i.participant_count),
                str(i.document_count),
                str(i.open_decisions),
            )
            for i in items
        ),
    )


@app.command("show")
@report_errors
def show(
    ctx: typer.Context, consultation_id: int, as_: AsOption, fmt: FormatOption = OutputFormat.table
) -> None:
    """Show one consultation: delegations, agenda, deadlines, documents."""
    with reading_as(ctx, as_) as (session, actor):
        read = views.consultation_read(
            session, service.get(session, actor=actor, consultation_id=consultation_id)
        )
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    typer.echo(f"#{read.id} {read.topic} [{read.status}] convened {read.convened_on}")
    if read.closed_at:
        why = f": {read.closing_reason}" if read.closing_reason else ""
        typer.echo(
            f"closed {read.closed_at:%Y-%m-%d} by {read.closed_by} ({read.closing_outcome}){why}"
        )
    members = [p.state for p in read.participants if p.has_say]
    observers = [p.state for p in read.participants if not p.has_say]
    typer.echo(f"member states: {', '.join(members)}")
    if observers:
        typer.echo(f"observers (no say): {', '.join(observers)}")
    for item in read.agenda:
        typer.echo(f"  {item.position}. {item.title}")
    for document in read.documents:
        typer.echo(
            f"document {document.id}: {document.kind} '{document.title}' "
            f"v{document.current_version} [{document.status}] {document.number or ''}".rstrip()
        )


@app.command("convene")
@report_errors
def convene(
    ctx: typer.Context,
    as_: AsOption,
    topic: Annotated[str, typer.Option(help="What the consultation is about.")],
    participant: Annotated[
        list[str] | None, typer.Option(help="A member state taking part (default: all members).")
    ] = None,
    observer: Annotated[list[str] | None, typer.Option(help="An observer/partner invited.")] = None,
    agenda: Annotated[list[str] | None, typer.Option(help="An agenda item, in order.")] = None,
    event: Annotated[list[int] | None, typer.Option(help="A linked notification event id.")] = None,
) -> None:
    """Convene a consultation as the chairing state's focal point or the Secretariat."""
    data = ConsultationCreate(
        topic=topic,
        participants=participant or None,
        observers=observer or [],
        agenda=[AgendaItemIn(title=t) for t in agenda or []],
        event_ids=event or [],
    )
    with writing_as(ctx, as_) as (session, actor):
        consultation = service.convene(session, actor=actor, data=data)
        states = [p.state_iso3 for p in consultation.participants]
    typer.echo(f"convened consultation {consultation.id} with {', '.join(states)}")


@app.command("versions")
@report_errors
def versions(
    ctx: typer.Context, document_id: int, as_: AsOption, fmt: FormatOption = OutputFormat.table
) -> None:
    """List a document's versions with what changed in each."""
    with reading_as(ctx, as_) as (session, actor):
        document = service.get_document(session, actor=actor, document_id=document_id)
        rows = views.versions(session, document)
    if fmt is OutputFormat.json:
        echo_json(rows)
        return
    print_table(
        f"document {document_id}: {len(rows)} versions",
        ("Version", "Languages", "Created", "By", "Changes", "Amendments"),
        (
            (
                f"{r.number}{' (superseded)' if r.superseded else ''}",
                " ".join(r.languages),
                f"{r.created_at:%Y-%m-%d %H:%M}",
                r.created_by,
                ", ".join(
                    f"{c.language} {c.change} (+{c.inserted_words}/-{c.deleted_words})"
                    for c in r.changes
                    if c.change != "unchanged"
                )
                or "none",
                ", ".join(map(str, r.incorporated_amendments)),
            )
            for r in rows
        ),
    )


@app.command("diff")
@report_errors
def diff(
    ctx: typer.Context,
    document_id: int,
    as_: AsOption,
    from_: Annotated[int, typer.Option("--from", help="The older version.")],
    to: Annotated[int, typer.Option("--to", help="The newer version.")],
    lang: Annotated[str | None, typer.Option(help="Only this language (en, ru, zh).")] = None,
) -> None:
    """Print the unified diff between two versions of a document, per language."""
    with reading_as(ctx, as_) as (session, actor):
        service.get_document(session, actor=actor, document_id=document_id)
        changes = service.compare_versions(
            session, document_id=document_id, from_version=from_, to_version=to
        )
    for change in changes:
        if lang and change["language"] != lang:
            continue
        typer.echo(f"# {change['language']}: {change['change']}")
        if change["unified_diff"]:
            typer.echo(change["unified_diff"])


@app.command("decide")
@report_errors
def decide(
    ctx: typer.Context,
    document_id: int,
    as_: AsOption,
    version: Annotated[int, typer.Option(help="The current version, put to decision.")],
    deadline: Annotated[str, typer.Option(help="ISO time with offset when positions close.")],
    procedure: Annotated[
        Procedure, typer.Option(help="Consensus or silence.")
    ] = Procedure.CONSENSUS,
) -> None:
    """Put the current version of a document to decision until a deadline."""
    data = DecisionCreate(
        version=version, procedure=procedure, deadline=_moment(deadline, "--deadline")
    )  # type: ignore[arg-type]
    with writing_as(ctx, as_) as (session, actor):
        decision = service.put_to_decision(session, actor=actor, document_id=document_id, data=data)
    typer.echo(
        f"version {decision.version_number} of document {document_id} is under decision "
        f"({decision.procedure}) until {decision.deadline.isoformat()}"
    )


@app.command("position")
@report_errors
def position(
    ctx: typer.Context,
    document_id: int,
    as_: AsOption,
    state: Annotated[str, typer.Option(help="The member state (ISO3) whose position this is.")],
    version: Annotated[int, typer.Option(help="The version under decision.")],
    position: Annotated[Stance, typer.Option("--position", help="The position.")],
    reasons: Annotated[str | None, typer.Option(help="Why (required to object).")] = None,
) -> None:
    """Record or change a member state's position on the version under decision."""
    data = PositionCreate(state=state, version=version, position=position, reasons=reasons)
    with writing_as(ctx, as_) as (session, actor):
        recorded = service.record_position(session, actor=actor, document_id=document_id, data=data)
    behalf = " (on its behalf)" if recorded.on_behalf else ""
    typer.echo(f"{recorded.state_iso3}: {recorded.position} on version {version}{behalf}")


@app.command("adopt")
@report_errors
def adopt(ctx: typer.Context, document_id: int, as_: AsOption) -> None:
    """Close the open decision now: adopted on consensus, otherwise rejected."""
    with writing_as(ctx, as_) as (session, actor):
        decision = service.close_decision(session, actor=actor, document_id=document_id)
        number = service.get_document(session, actor=actor, document_id=document_id).number
    typer.echo(f"{decision.status}{' as ' + number if number else ''}: {decision.outcome}")


@app.command("close")
@report_errors
def close(
    ctx: typer.Context,
    consultation_id: int,
    as_: AsOption,
    outcome: Annotated[
        ClosingOutcome,
        typer.Option(help="How it ended: adopted (documents adopted), no_consensus, withdrawn."),
    ],
    reason: Annotated[
        str | None, typer.Option(help="Why (required unless the outcome is adopted).")
    ] = None,
) -> None:
    """Close the consultation (its convenor); it then takes nothing more."""
    with writing_as(ctx, as_) as (session, actor):
        closed = service.close_consultation(
            session,
            actor=actor,
            consultation_id=consultation_id,
            data=ConsultationClose(outcome=outcome, reason=reason),
        )
        line = f"consultation {closed.id} closed ({closed.closing_outcome}) by {closed.closed_by}"
    typer.echo(line)


@app.command("close-due")
@report_errors
def close_due(
    ctx: typer.Context,
    now: Annotated[
        str | None, typer.Option(help="Close as of this ISO time with offset (default: now).")
    ] = None,
) -> None:
    """Close every decision whose deadline has passed (for the scheduler)."""
    with writing(ctx) as session:
        closed = service.close_due_decisions(
            session, actor=service.SCHEDULER_ACTOR, now=_moment(now, "--now")
        )
        lines = [
            f"document {d.document_id} v{d.version_number}: {d.status} ({d.outcome})"
            for d in closed
        ]
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} decision(s) closed")


@app.command("sign")
@report_errors
def sign(
    ctx: typer.Context,
    document_id: int,
    as_: AsOption,
    state: Annotated[str, typer.Option(help="The member state (ISO3) signing.")],
) -> None:
    """Sign an adopted document for a member state (its own focal point)."""
    with writing_as(ctx, as_) as (session, actor):
        signature = service.sign(
            session,
            actor=actor,
            document_id=document_id,
            data=SignatureCreate(state=state),
        )
    typer.echo(
        f"{signature.state_iso3} signed document {document_id} at {signature.signed_at.isoformat()}"
    )
