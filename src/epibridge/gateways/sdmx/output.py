"""What the SDMX route and command share: structure messages, format choice, data bodies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.errors import DomainError, FieldError
from epibridge.gateways.sdmx import messages, model
from epibridge.gateways.sdmx.query import Found
from epibridge.gateways.sdmx.references import select
from epibridge.i18n import N_
from epibridge.security import Principal

FORMATS = ("sdmx-csv", "structurespecific")


class NotAcceptable(DomainError):
    """SDMX REST's 406: the client accepts none of the formats offered."""

    status = 406
    title = N_("Not acceptable")
    kind = "not-acceptable"


def structure(
    session: Session,
    *,
    principal: Principal,
    resource: str,
    agency: str = "all",
    resource_id: str = "all",
    version: str = "latest",
    references: str = "none",
    prepared: datetime,
) -> bytes:
    """The SDMX-ML structure message of a structure query (``references.select``)."""
    structures = model.read(session, principal=principal, on=prepared.date())
    chosen = select(
        structures,
        resource=resource,
        agency=agency,
        resource_id=resource_id,
        version=version,
        references=references,
    )
    return messages.structure_message(structures, chosen.kinds, chosen.codelists, prepared)


def negotiate(chosen: str | None, accept: str | None) -> str:
    """The data format: ``format=`` when given, else the first the Accept header names."""
    if chosen is not None:
        return chosen
    for part in (accept or "*/*").split(","):
        media = part.split(";")[0].strip().lower()
        if "csv" in media:
            return "sdmx-csv"
        if "xml" in media or media in ("*/*", "application/*", ""):
            return "structurespecific"
    raise NotAcceptable(
        N_("no format offered matches the Accept header: {offered}"),
        [FieldError("Accept", N_("not offered"), accept)],
        params={"offered": f"{messages.CSV_MEDIA}, {messages.XML_MEDIA}"},
    )


def data(agency: str, found: list[Found], chosen: str, *, prepared: datetime) -> tuple[bytes, str]:
    """The body and media type of the series in ``chosen`` (one of ``FORMATS``)."""
    structures = model.Structures(agency)
    if chosen == "sdmx-csv":
        return messages.sdmx_csv(structures, found), messages.CSV_MEDIA
    return messages.structure_specific(structures, found, prepared), messages.XML_MEDIA
