"""`epibridge report`: situation reports of an ISO week, on demand or weekly from cron."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from epibridge.cli_support import (
    err_console,
    is_terminal,
    operator,
    print_table,
    reading_as,
    report_errors,
    sessions_for,
    settings_of,
    terminal,
    writing_as,
)
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import LANGUAGES
from epibridge.reports import service
from epibridge.reports.schemas import ReportCreate

report_app = typer.Typer(help="Situation reports (HTML/PDF) of an ISO week, in en, ru or zh.")


def _format_of(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in service.FORMATS:
        raise InvalidInput(
            "name the output file .pdf or .html: the format follows the extension",
            [FieldError("--output", "must end in .pdf or .html", str(output))],
        )
    return suffix


def _generate(ctx: typer.Context, data: ReportCreate) -> tuple[service.Rendered, int]:
    """Render with no write lock held, then store the file in one short transaction."""
    label = f"rendering {data.week} ({data.lang}, {data.format})"
    status = terminal().status(label) if is_terminal() else None
    if status is not None:
        status.start()
    try:
        with reading_as(ctx) as (session, actor):
            rendered = service.build(session, actor=actor, data=data)
    finally:
        if status is not None:
            status.stop()
    with writing_as(ctx) as (session, actor):
        report = service.store(session, actor=actor, rendered=rendered)
        return rendered, report.id


@report_app.command("sitrep")
@report_errors
def sitrep(
    ctx: typer.Context,
    week: Annotated[str, typer.Option("--week", help="ISO week, e.g. 2024-W21.")],
    output: Annotated[
        Path, typer.Option("--output", help="File to write: .pdf or .html (the format follows).")
    ],
    lang: Annotated[str, typer.Option("--lang", help="Language: en, ru or zh.")] = "en",
    state: Annotated[str | None, typer.Option("--state", help="Focus on one state (ISO3).")] = None,
) -> None:
    """Generate the situation report of one ISO week, write it to a file and store it."""
    data = ReportCreate.model_validate(
        {"week": week.strip().upper(), "lang": lang, "state": state, "format": _format_of(output)}
    )
    rendered, report_id = _generate(ctx, data)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(rendered.content)
    typer.echo(
        f"report {report_id}: {rendered.filename} written to {output} "
        f"({len(rendered.content)} bytes)"
    )


@report_app.command("weekly")
@report_errors
def weekly(
    ctx: typer.Context,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Language (repeatable; default all three).")
    ] = None,
    state: Annotated[
        list[str] | None, typer.Option("--state", help="Also a report focused on this state.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="pdf or html.")] = "pdf",
    week: Annotated[
        str | None, typer.Option("--week", help="Catch up an ISO week (default: the last one).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Generate again even when stored.")] = False,
) -> None:
    """Generate and store the reports of the previous ISO week (run it from cron on Mondays)."""

    def show(result: service.WeeklyResult) -> None:
        if result.created:
            typer.echo(
                f"report {result.report_id}: {result.filename} stored ({result.size_bytes} bytes)"
            )
        else:
            typer.echo(f"report {result.report_id}: {result.filename} already stored")

    service.generate_weekly(
        sessions_for(settings_of(ctx)),
        actor=operator(),
        today=datetime.now(UTC).date(),
        week=week,
        langs=lang or LANGUAGES,
        states=state or (),
        format=fmt,
        force=force,
        done=show,
    )


@report_app.command("list")
@report_errors
def list_reports(
    ctx: typer.Context,
    week: Annotated[str | None, typer.Option(help="Only this ISO week.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
) -> None:
    """List stored reports, newest first."""
    with reading_as(ctx) as (session, actor):
        page = service.list_(session, actor=actor, week=week, limit=limit)
        items = page.map(service.to_read).items
    print_table(
        "Situation reports (newest first)",
        ("#", "Week", "State", "Lang", "Format", "Bytes", "Created (UTC)", "By"),
        (
            (
                str(r.id),
                r.week,
                r.state or "all",
                r.lang,
                r.format,
                str(r.size_bytes),
                f"{r.created_at:%Y-%m-%d %H:%M}",
                r.created_by,
            )
            for r in items
        ),
    )


@report_app.command("download")
@report_errors
def download(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="Report id (see `epibridge report list`).")],
    output: Annotated[Path, typer.Option("--output", help="File to write.")],
) -> None:
    """Write a stored report to a file."""
    with reading_as(ctx) as (session, actor):
        report = service.get(session, actor=actor, report_id=report_id)
        content, name = report.content, report.filename
    output.write_bytes(content)
    err_console.print(f"{name} written to {output} ({len(content)} bytes)", highlight=False)


@report_app.command("quarterly")
@report_errors
def quarterly(
    ctx: typer.Context,
    quarter: Annotated[str, typer.Argument(help="The quarter, 2026-Q3.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.pdf or .html).")],
    lang: Annotated[str, typer.Option(help="en, ru or zh.")] = "en",
    state: Annotated[str | None, typer.Option(help="Only this state's events (ISO3).")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this account.")] = None,
) -> None:
    """Write the quarterly 7-1-7 timeliness report (not stored; made again on request)."""
    fmt = _format_of(output)
    with reading_as(ctx, as_user) as (session, actor):
        name, body = service.build_quarterly(
            session, actor=actor, quarter=quarter, lang=lang, state=state, format=fmt
        )
    output.write_bytes(body)
    typer.echo(f"{name}: {len(body)} bytes written to {output}")
