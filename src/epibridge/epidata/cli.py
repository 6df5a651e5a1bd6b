"""`epibridge data`: import files, query series, see revisions, load the demo data."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from epibridge.cli_selector import selector_options
from epibridge.cli_support import (
    echo_json,
    err_console,
    is_terminal,
    operator,
    print_table,
    reading,
    reading_as,
    report_errors,
    sessions_for,
    settings_of,
    terminal,
)
from epibridge.db import utcnow
from epibridge.epidata import export, queries, reference, revisions, service, uploads
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.schemas import BadRow
from epibridge.epidata.selector import IDENTITY, SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

data_app = typer.Typer(help="The epidemic database: import, query, revisions, demo data.")


class ImportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@data_app.command("import")
@report_errors
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON file of observations.")],
    state: Annotated[str, typer.Option(help="ISO3 code of the state whose data this is.")],
    dry_run: Annotated[bool, typer.Option(help="Check every row; write nothing.")] = False,
    file_format: Annotated[
        ImportFormat | None, typer.Option("--format", help="Format (default: from the name).")
    ] = None,
) -> None:
    """Import a file atomically; on any bad row print each one and exit 2, writing nothing."""
    if not path.is_file():
        raise InvalidInput(
            N_("no file {path}"),
            [FieldError("FILE", "not found", str(path))],
            params={"path": path},
        )
    settings = settings_of(ctx)
    size = path.stat().st_size
    bar = (
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        if is_terminal()
        else None
    )
    with bar if bar else nullcontext():
        task = bar.add_task(f"checking {path.name}", total=size) if bar else None

        def advance(count: int) -> None:
            if bar is not None and task is not None:
                bar.update(task, advance=count)

        def storing(rows: int) -> None:
            if bar is not None and task is not None:
                bar.update(task, description=f"storing {rows} rows")

        options = IngestOptions(
            dry_run=dry_run,
            max_bytes=settings.max_upload_bytes,
            progress=advance,
            storing=storing,
        )
        try:
            result = ingest(
                sessions_for(settings),
                actor=operator(),
                file=path,
                state=state,
                file_format=file_format.value if file_format else None,
                options=options,
            )
        except InvalidInput as exc:
            if bar is not None:
                bar.stop()
            _print_rejection(exc)
            raise typer.Exit(code=2) from None
    if result.dry_run:
        typer.echo(f"valid: {result.row_count} rows for {result.state}; nothing written (dry run)")
        return
    typer.echo(
        f"submission {result.id} accepted: {result.row_count} rows for {result.state} "
        f"({result.new_count} new, {result.revised_count} revised, "
        f"{result.unchanged_count} unchanged); sha256 {result.digest}"
    )


def _print_rejection(exc: InvalidInput) -> None:
    err_console.print(f"[bold red]rejected:[/] {exc.detail}", highlight=False)
    for error in exc.errors:
        row = error.row if isinstance(error, BadRow) else None
        where = f"line {row}" if row else "file"
        value = f" (got {error.value!r})" if error.value is not None else ""
        err_console.print(f"  {where}: {error.field}: {error.message}{value}", highlight=False)


@data_app.command("query")
@report_errors
@selector_options(states="many")
def query(
    ctx: typer.Context,
    selector: SeriesSelector,
    per: Annotated[int | None, typer.Option(help="Add rates per this many people.")] = None,
    total: Annotated[bool, typer.Option(help="Add the total over the states.")] = False,
    fmt: Annotated[QueryFormat, typer.Option("--format", "-f", help="Output format.")] = (
        QueryFormat.table
    ),
    output: Annotated[
        Path | None, typer.Option(help="Write to this file (.csv or .parquet).")
    ] = None,
) -> None:
    """Print a series per state (table, CSV or JSON) or write it to a CSV/Parquet file."""
    with reading(ctx) as session:
        result = queries.series(
            session, principal=operator(), selector=selector, per=per, total=total
        )
    if output is not None:
        kind = "parquet" if output.suffix == ".parquet" or fmt is QueryFormat.parquet else "csv"
        output.write_bytes(export.export(result, kind))
        typer.echo(f"wrote {sum(len(s.points) for s in result.series)} points to {output}")
        return
    if fmt is QueryFormat.csv:
        sys.stdout.write(export.export(result, "csv").decode())
        return
    if fmt is QueryFormat.parquet:
        raise InvalidInput("Parquet needs --output FILE", [FieldError("--output", "required")])
    if fmt is QueryFormat.json:
        echo_json(result.model_dump(mode="json"))
        return
    for item in [*result.series, *([result.total] if result.total else [])]:
        label = " [SYNTHETIC demo data]" if item.synthetic else ""
        table = Table(
            title=f"{item.state} {item.disease} {item.metric} ({item.classification}), "
            f"by {item.granularity}{label}"
        )
        for column in ("Period start", "Period end", "Value", *(["Rate"] if per else [])):
            table.add_column(column, justify="right" if column in ("Value", "Rate") else "left")
        for p in item.points:
            value = "not reported" if p.value is None else str(p.value)
            extra = [] if not per else ["" if p.rate is None else f"{p.rate:g}"]
            table.add_row(str(p.period_start), str(p.period_end), value, *extra)
        terminal().print(table)


@data_app.command("history")
@report_errors
@selector_options(states="one", fields=(*IDENTITY, "start", "end"))
def history(ctx: typer.Context, selector: SeriesSelector) -> None:
    """Show every version ever received of one state's series."""
    with reading(ctx) as session:
        result = revisions.history(session, principal=operator(), selector=selector)
    label = " [SYNTHETIC demo data]" if result.synthetic else ""
    table = Table(title=f"Revisions of {result.state} {result.disease} {result.metric}{label}")
    for column in ("Period", "Version", "Value", "Received (UTC)", "Superseded", "Submission"):
        table.add_column(column)
    for v in result.versions:
        table.add_row(
            f"{v.period_start}..{v.period_end}",
            str(v.version),
            "not reported" if v.value is None else str(v.value),
            f"{v.received_at:%Y-%m-%d %H:%M:%S}",
            f"{v.superseded_at:%Y-%m-%d %H:%M:%S}" if v.superseded_at else "current",
            str(v.submission_id),
        )
    terminal().print(table)


@data_app.command("increases")
@report_errors
@selector_options(states="none", fields=("disease", "metric", "classification"))
def increases(
    ctx: typer.Context,
    selector: SeriesSelector,
    weeks: Annotated[int, typer.Option(help="Length of each compared window.")] = 4,
) -> None:
    """List the states with the largest rise over the recent weeks."""
    with reading(ctx) as session:
        ranked = queries.increases(session, principal=operator(), selector=selector, weeks=weeks)
    table = Table(
        title=f"Largest increases of {selector.disease} {selector.metric}, last {weeks} weeks"
    )
    for column in ("State", "Recent", "Previous", "Change", "Ratio", "Window", "Data"):
        table.add_column(column)
    for r in ranked:
        table.add_row(
            r.state,
            str(r.recent),
            str(r.previous),
            f"+{r.change}",
            "" if r.ratio is None else f"{r.ratio:g}",
            f"{r.recent_start}..{r.recent_end}",
            "SYNTHETIC" if r.synthetic else "reported",
        )
    terminal().print(table)


@data_app.command("submissions")
@report_errors
def submissions(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    last: Annotated[int, typer.Option(help="How many of the newest.")] = 20,
) -> None:
    """List the newest accepted submissions."""
    with reading_as(ctx) as (session, actor):
        items = (
            service.list_submissions(session, principal=actor, state=state, limit=last)
            .map(service.to_read)
            .items
        )
    print_table(
        "Submissions (newest first)",
        ("#", "State", "Received (UTC)", "By", "Rows", "New", "Revised", "File", "Data"),
        (
            (
                str(s.id),
                s.state,
                f"{s.received_at:%Y-%m-%d %H:%M:%S}" if s.received_at else "",
                s.submitted_by + (" (on behalf)" if s.on_behalf else ""),
                str(s.row_count),
                str(s.new_count),
                str(s.revised_count),
                s.filename,
                "SYNTHETIC" if s.synthetic else "reported",
            )
            for s in items
        ),
    )


@data_app.command("reference")
@report_errors
def reference_datasets(ctx: typer.Context) -> None:
    """List the reference datasets (published data from outside the organization)."""
    with reading_as(ctx) as (session, actor):
        items = reference.list_datasets(session, principal=actor)
    print_table(
        "Reference datasets (not data of the organization)",
        ("Dataset", "Country", "Title", "Every", "Source"),
        (
            (
                d.dataset + (" [synthetic]" if d.synthetic else ""),
                d.country_iso3,
                d.title,
                d.frequency,
                d.source,
            )
            for d in items
        ),
        overflow="fold",
    )


@data_app.command("demo")
@report_errors
def demo(ctx: typer.Context) -> None:
    """Load SYNTHETIC weekly series for every member state and the reference datasets."""
    from epibridge.epidata.demo import load_demo

    summary = load_demo(sessions_for(settings_of(ctx)))
    typer.echo(
        f"SYNTHETIC demo series: {summary['synthetic_rows']} rows for "
        f"{summary['synthetic_states']} states (0: already loaded); "
        f"{summary['reference_datasets']} reference datasets loaded"
    )


@data_app.command("purge-uploads")
@report_errors
def purge_uploads(ctx: typer.Context) -> None:
    """Delete files checked on the web import page but not confirmed within the upload TTL."""
    settings = settings_of(ctx)
    deleted = uploads.purge_expired(
        uploads.upload_root(settings.var_dir),
        ttl=timedelta(hours=settings.upload_ttl_hours),
        now=utcnow(),
    )
    typer.echo(f"deleted {deleted} expired upload(s)")


# The nowcasting commands (``data triangle``, ``data nowcast``, ...) live with their domain.
from epibridge.nowcasting.cli import nowcast_app  # noqa: E402

data_app.registered_commands.extend(nowcast_app.registered_commands)
