"""`epibridge sdmx`: the SDMX structures and data as files, the same bodies as /api/sdmx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from epibridge.cli_support import choice_enum, operator, reading, report_errors
from epibridge.db import utcnow
from epibridge.gateways.sdmx import model, output, query

sdmx_app = typer.Typer(help="SDMX 2.1: the dataflow's structures and its data as files.")

DataFormat = choice_enum("DataFormat", output.FORMATS)


@sdmx_app.command("structure")
@report_errors
def structure(
    ctx: typer.Context,
    output_path: Annotated[
        Path, typer.Option("--output", "-o", help="Write the SDMX-ML 2.1 structure message here.")
    ],
) -> None:
    """Write the dataflow, its DSD, concept scheme and code lists (SDMX-ML 2.1)."""
    with reading(ctx) as session:
        body = output.structure(
            session,
            principal=operator(),
            resource="dataflow",
            references="all",
            prepared=utcnow(),
        )
    output_path.write_bytes(body)
    typer.echo(f"wrote the {model.FLOW} structures to {output_path}")


@sdmx_app.command("data")
@report_errors
def data(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(help="FREQ.REF_AREA.AREA.DISEASE.METRIC.CLASSIFICATION.AGE.SEX or all."),
    ],
    output_path: Annotated[Path, typer.Option("--output", "-o", help="Write the data here.")],
    start_period: Annotated[
        str | None, typer.Option(help="First period: 2024, 2024-Q1, 2024-01, 2024-W05 …")
    ] = None,
    end_period: Annotated[str | None, typer.Option(help="Last period, as --start-period.")] = None,
    fmt: Annotated[
        DataFormat,  # type: ignore[valid-type]
        typer.Option("--format", "-f", help="sdmx-csv or structurespecific (SDMX-ML)."),
    ] = DataFormat("sdmx-csv"),  # type: ignore[operator]
) -> None:
    """Write the series a key selects as SDMX-CSV 2.0 or SDMX-ML 2.1 structure-specific."""
    now = utcnow()
    with reading(ctx) as session:
        agency = model.agency(session)
        found = query.read(
            session,
            principal=operator(),
            key=key,
            start_period=start_period,
            end_period=end_period,
        )
    body, _ = output.data(agency, found, str(fmt.value), prepared=now)
    output_path.write_bytes(body)
    points = sum(len(item.series.points) for item in found)
    typer.echo(f"wrote {len(found)} series, {points} observations to {output_path}")
