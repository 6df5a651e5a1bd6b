"""Commands of the EDXL gateway (`epibridge edxl`): EDXL-RM and EDXL-DE files out and in."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from epibridge.cli_support import reading_as, report_errors, writing_as
from epibridge.errors import FieldError, InvalidInput
from epibridge.gateways.edxl import de, exports, rm_import
from epibridge.i18n import N_
from epibridge.security import Principal

edxl_app = typer.Typer(
    help="OASIS EDXL files: EDXL-RM for assistance, EDXL-DE envelopes around CAP alerts."
)

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (its permissions apply and it is audited)."),
]
AsRequired = Annotated[
    str, typer.Option("--as", help="Act as this account (its permissions apply; audited).")
]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]


class Kind(StrEnum):
    request = "request"
    offer = "offer"
    commitment = "commitment"


_EXPORTS: dict[Kind, Callable[..., bytes]] = {
    Kind.request: lambda s, a, n: exports.request_xml(s, actor=a, request_id=n),
    Kind.offer: lambda s, a, n: exports.offer_xml(s, actor=a, offer_id=n),
    Kind.commitment: lambda s, a, n: exports.commitment_xml(s, actor=a, commitment_id=n),
}


def _write(xml: bytes, output: Path | None) -> None:
    if output is None:
        typer.echo(xml.decode("utf-8"), nl=False)
    else:
        output.write_bytes(xml)
        typer.echo(f"wrote {output} ({len(xml)} bytes)")


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            N_("cannot read {file}"), [FieldError("file", str(exc))], params={"file": file}
        ) from None


@edxl_app.command("export-rm")
@report_errors
def export_rm(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="request, offer or commitment.")],
    number: Annotated[int, typer.Argument(help="Its id.", metavar="ID")],
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """Print (or write) a request, offer or commitment as an EDXL-RM 1.0 message."""
    session: Session
    actor: Principal
    with reading_as(ctx, as_user) as (session, actor):
        xml = _EXPORTS[kind](session, actor, number)
    _write(xml, output)


@edxl_app.command("import-rm")
@report_errors
def import_rm(ctx: typer.Context, file: Path, as_user: AsRequired) -> None:
    """Import an EDXL-RM RequestResource, ResponseToRequestResource or CommitResource."""
    xml = _read(file)
    with writing_as(ctx, as_user) as (session, actor):
        made = rm_import.import_message(session, actor=actor, xml=xml)
    typer.echo(f"{made.kind} {' '.join(map(str, made.ids))} imported")


@edxl_app.command("export-de")
@report_errors
def export_de(
    ctx: typer.Context, event_id: int, output: OutputOption = None, as_user: AsOption = None
) -> None:
    """Print (or write) an event's latest CAP alert in an EDXL-DE 2.0 envelope."""
    with reading_as(ctx, as_user) as (session, actor):
        xml = de.distribution_xml(session, actor=actor, event_id=event_id)
    _write(xml, output)


@edxl_app.command("import-de")
@report_errors
def import_de(ctx: typer.Context, file: Path, as_user: AsRequired) -> None:
    """Import the CAP 1.2 alert of an EDXL-DE 2.0 envelope (as `notify import-cap`)."""
    xml = _read(file)
    with writing_as(ctx, as_user) as (session, actor):
        event, changed = de.import_distribution(session, actor=actor, xml=xml)
        event_id = event.id
    typer.echo(f"notification {event_id} {'imported' if changed else 'already imported'}")
