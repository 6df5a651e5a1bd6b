"""Commands of a state's sharing settings (`epibridge federation sharing show|set|release`).

``sharing_app`` is a Typer group the lead adds to the ``federation`` group
(``federation_app.add_typer(sharing_app, name="sharing")``); until then it is run on its own.
"""

from __future__ import annotations

from typing import Annotated

import typer

from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    echo_json,
    parse_day,
    reading_as,
    report_errors,
    writing_as,
)
from epibridge.federation import sharing
from epibridge.federation.sharing_models import SharingLevel
from epibridge.federation.sharing_schemas import SharingRead, SharingUpdate
from epibridge.security import system_principal

sharing_app = typer.Typer(
    help="What a state's node shares with other nodes: observations' level, embargo, signals.",
    no_args_is_help=True,
)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
StateOption = Annotated[str, typer.Option("--state", help="ISO3 code of the state.")]


def _print(read: SharingRead) -> None:
    origin = "" if read.configured else " (defaults: nothing was set)"
    typer.echo(f"{read.state}: level {read.level.value}{origin}")
    if read.diseases:
        typer.echo(f"diseases: {', '.join(read.diseases)}")
    typer.echo(f"embargo until: {read.embargo_until or 'none'}")
    typer.echo(f"detection signals: {'shared' if read.signals else 'not shared'}")
    if read.updated_by:
        typer.echo(f"set by {read.updated_by} at {read.updated_at}")


@sharing_app.command("show")
@report_errors
def show(
    ctx: typer.Context,
    state: StateOption,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a state's sharing settings (the defaults when it set none)."""
    with reading_as(ctx, as_user) as (session, actor):
        read = sharing.get(session, principal=actor, state=state)
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    _print(read)


@sharing_app.command("set")
@report_errors
def set_(
    ctx: typer.Context,
    state: StateOption,
    level: Annotated[
        SharingLevel,
        typer.Option(
            show_choices=False,
            help="all, totals (national totals only), diseases (listed only) or nothing.",
        ),
    ],
    diseases: Annotated[
        str | None, typer.Option(help="Comma-separated ICD-10 codes (level diseases).")
    ] = None,
    embargo_until: Annotated[
        str | None,
        typer.Option(help="Hold observations back until this day (YYYY-MM-DD, UTC)."),
    ] = None,
    no_embargo: Annotated[
        bool, typer.Option("--no-embargo", help="End the embargo now (what it held is sent).")
    ] = False,
    signals: Annotated[
        bool | None, typer.Option("--signals/--no-signals", help="Share detection signals.")
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Change a state's sharing settings; options left out keep what was set."""
    with writing_as(ctx, as_user) as (session, actor):
        current = sharing.get(session, principal=actor, state=state)
        listed = [d.strip() for d in (diseases or "").split(",") if d.strip()]
        if diseases is None and level is SharingLevel.DISEASES:
            listed = current.diseases
        data = SharingUpdate(
            level=level,
            diseases=listed,
            embargo_until=None
            if no_embargo
            else parse_day(embargo_until, "--embargo-until") or current.embargo_until,
            signals=current.signals if signals is None else signals,
        )
        read = sharing.set_sharing(session, principal=actor, state=state, data=data)
    _print(read)


@sharing_app.command("release")
@report_errors
def release(ctx: typer.Context) -> None:
    """End every embargo whose day has come, so what it held back is sent (for cron)."""
    with writing_as(ctx) as (session, _actor):
        states = sharing.release_due(session, actor=system_principal("scheduler"))
    typer.echo(f"released: {', '.join(states)}" if states else "no embargo is due")
