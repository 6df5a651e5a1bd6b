"""EDXL-RM messages of what the assistance service shows the caller, schema-checked.

Reads only: every value comes from the assistance and notifications services, with the
caller's visibility; the XML is validated against the OASIS schema before it leaves, so an
export that the schema would refuse is a defect here, not the client's problem.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy.orm import Session

from epibridge.assistance import service as assistance
from epibridge.db import utcnow
from epibridge.errors import Conflict, DomainError, FieldError
from epibridge.gateways.edxl import documents, rm_build
from epibridge.i18n import N_
from epibridge.notifications import service as notifications
from epibridge.security import Principal


def _checked(xml: bytes, message: str) -> bytes:
    tree = etree.ElementTree(etree.fromstring(xml))
    documents.validate(tree, documents.rm_schema(message))
    return xml


def _incident(session: Session, actor: Principal, event_id: int | None) -> str | None:
    if event_id is None:
        return None
    try:
        event = notifications.get(session, actor=actor, event_id=event_id)
    except DomainError:  # an event the caller may not see is not named
        return None
    return rm_build.incident_id(event.state, event.id)


def request_xml(session: Session, *, actor: Principal, request_id: int) -> bytes:
    """The request as an EDXL-RM RequestResource."""
    request = assistance.get_request(session, actor=actor, request_id=request_id)
    xml = rm_build.request_message(request, _incident(session, actor, request.event_id))
    return _checked(xml, "RequestResource")


def offer_xml(session: Session, *, actor: Principal, offer_id: int) -> bytes:
    """An offer answering a request as an EDXL-RM ResponseToRequestResource."""
    offer = assistance.get_offer(session, actor=actor, offer_id=offer_id)
    if offer.request_id is None:
        raise Conflict(
            N_("offer {id} answers no request; it is not a ResponseToRequestResource"),
            [FieldError("request_id", N_("answers no request"))],
            params={"id": offer.id},
        )
    request = assistance.get_request(session, actor=actor, request_id=offer.request_id)
    xml = rm_build.offer_message(offer, request, _incident(session, actor, request.event_id))
    return _checked(xml, "ResponseToRequestResource")


def commitment_xml(session: Session, *, actor: Principal, commitment_id: int) -> bytes:
    """A commitment as an EDXL-RM CommitResource."""
    stored = assistance.get_commitment(session, actor=actor, commitment_id=commitment_id)
    read = assistance.read(session, stored, utcnow().date())
    offer = assistance.get_offer(session, actor=actor, offer_id=read.offer_id)
    line = next(line for line in offer.lines if line.id == read.offer_line_id)
    xml = rm_build.commitment_message(read, line, stored.created_at)
    return _checked(xml, "CommitResource")
