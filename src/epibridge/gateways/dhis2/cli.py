"""`epibridge dhis2`: a state's DHIS2 mapping, loaded from YAML and shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    echo_json,
    reading_as,
    report_errors,
    writing_as,
)
from epibridge.gateways.dhis2 import mapping as mapping_rules
from epibridge.gateways.dhis2 import service

dhis2_app = typer.Typer(help="The DHIS2 gateway: each state's mapping of DHIS2 identifiers.")
mapping_app = typer.Typer(help="Load or show a state's DHIS2 mapping (docs/gateways/dhis2.md).")
dhis2_app.add_typer(mapping_app, name="mapping")

StateOption = Annotated[str, typer.Option("--state", help="ISO3 code of the state.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]


@mapping_app.command("load")
@report_errors
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The mapping, YAML.", exists=True, dir_okay=False)],
    state: StateOption,
    as_user: AsOption = None,
) -> None:
    """Check a mapping file whole and store it as the state's mapping (audited)."""
    document = mapping_rules.parse_yaml(file.read_bytes())
    with writing_as(ctx, as_user) as (session, actor):
        read = service.load_mapping(session, principal=actor, state=state, document=document)
    typer.echo(
        f"{read.state}: mapping version {read.version} ({read.id_scheme}): "
        f"{len(read.data_elements)} data elements, "
        f"{len(read.category_option_combos)} category option combos, "
        f"{len(read.org_units)} org units"
    )


@mapping_app.command("show")
@report_errors
def show(
    ctx: typer.Context,
    state: StateOption,
    as_user: AsOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a state's mapping as loaded."""
    with reading_as(ctx, as_user) as (session, actor):
        read = service.get_mapping(session, principal=actor, state=state)
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    typer.echo(
        f"{read.state} mapping version {read.version}, {read.id_scheme}, "
        f"loaded {read.loaded_at:%Y-%m-%d %H:%M} by {read.loaded_by}"
    )
    for key, value in read.data_elements.items():
        typer.echo(f"data element {key}: {value['disease']} {value['metric']}")
    for key, combo in read.category_option_combos.items():
        extra = " ".join(x for x in (combo["age_group"], combo["sex"]) if x)
        typer.echo(f"category option combo {key}: {combo['classification']} {extra}".rstrip())
    for key, area in read.org_units.items():
        typer.echo(f"org unit {key}: {area or '(whole state)'}")
