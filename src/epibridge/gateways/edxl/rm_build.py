"""Assistance requests, offers and commitments written as OASIS EDXL-RM 1.0 messages.

Pure translation of the assistance reads (no database, no rules); the mapping is the table of
docs/gateways/edxl.md. Identifiers are URNs of this system (``urn:epibridge:assistance:
request:12``) so that an answer coming back names what it answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pycountry
from lxml import etree

from epibridge.assistance.schemas import (
    CommitmentRead,
    OfferLineRead,
    OfferRead,
    RequestLineRead,
    RequestRead,
)
from epibridge.gateways.edxl.documents import GEO_NS, GML_NS, RM_MSG_NS, RM_NS, XAL_NS

URN = "urn:epibridge:assistance"
CATALOGUE_LIST = f"{URN}:catalogue"
UNIT_LIST = f"{URN}:unit"
URGENCY_LIST = f"{URN}:urgency"
VISIBILITY_LIST = f"{URN}:visibility"
ISO3 = "ISO 3166-1 alpha-3"
SECRETARIAT = "SECRETARIAT"
_NSMAP = {None: RM_MSG_NS, "rm": RM_NS, "xal": XAL_NS, "geo-oasis": GEO_NS, "gml": GML_NS}


def message_id(kind: str, number: int) -> str:
    """``urn:epibridge:assistance:request:12`` (kind: request, offer or commitment)."""
    return f"{URN}:{kind}:{number}"


def incident_id(event_state: str, event_id: int) -> str:
    """The event as the CAP export names it in ``incidents``, so both formats agree."""
    return f"epibridge-{event_state}-{event_id}"


def _m(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{RM_MSG_NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _r(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{RM_NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _when(day: date | datetime) -> str:
    if isinstance(day, datetime):
        return day.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{day.isoformat()}T00:00:00Z"


def _value_list(parent: etree._Element, name: str, urn: str, value: str, rm: bool) -> None:
    node = (_r if rm else _m)(parent, name)
    _r(node, "ValueListURN", urn)
    _r(node, "Value", value)


def _head(kind: str, number: int, sent: datetime, note: str | None) -> etree._Element:
    root = etree.Element(f"{{{RM_MSG_NS}}}{kind}", nsmap=_NSMAP)
    _m(root, "MessageID", message_id(_KIND_NAME[kind], number))
    _m(root, "SentDateTime", _when(sent))
    _m(root, "MessageContentType", kind)
    if note:
        _m(root, "MessageDescription", note)
    return root


_KIND_NAME = {
    "RequestResource": "request",
    "ResponseToRequestResource": "offer",
    "CommitResource": "commitment",
}


def _incident(root: etree._Element, incident: str | None) -> None:
    if incident:
        _r(_m(root, "IncidentInformation"), "IncidentID", incident)


def _contact(root: etree._Element, role: str, state: str | None) -> None:
    contact = _m(root, "ContactInformation")
    if state is None:
        _r(contact, "ContactDescription", SECRETARIAT)
        _r(contact, "ContactRole", role)
        return
    country = pycountry.countries.get(alpha_3=state)
    name = country.name if country else state
    _r(contact, "ContactDescription", name)
    _r(contact, "ContactRole", role)
    address = _r(_r(contact, "ContactLocation"), "Address")
    element = etree.SubElement(
        etree.SubElement(address, f"{{{XAL_NS}}}Country"), f"{{{XAL_NS}}}NameElement"
    )
    element.set(f"{{{XAL_NS}}}NameCode", state)
    element.set(f"{{{XAL_NS}}}NameCodeType", ISO3)
    element.text = name


def _resource(
    info: etree._Element,
    line: RequestLineRead | OfferLineRead,
    keywords: dict[str, str],
) -> None:
    resource = _m(info, "Resource")
    _m(resource, "Name", line.item_name)
    _value_list(resource, "TypeStructure", CATALOGUE_LIST, line.item, rm=False)
    for urn, value in keywords.items():
        _value_list(resource, "Keyword", urn, value, rm=False)
    if line.note:
        _m(resource, "Description", line.note)


def _quantity(info: etree._Element, quantity: int, unit: str) -> None:
    measured = _r(_m(_m(info, "AssignmentInformation"), "Quantity"), "MeasuredQuantity")
    _r(measured, "Amount", str(quantity))
    _value_list(measured, "UnitOfMeasure", UNIT_LIST, unit, rm=True)


def _schedule(
    info: etree._Element,
    kind: str,
    when: date | None,
    place: str | None = None,
    point: tuple[float, float] | None = None,
) -> None:
    if when is None:
        return
    schedule = _m(info, "ScheduleInformation")
    _m(schedule, "ScheduleType", kind)
    _m(schedule, "DateTime", _when(when))
    if place is None:
        return
    location = _m(schedule, "Location")
    _r(location, "LocationDescription", place)
    if point is not None:
        gml_point = etree.SubElement(
            etree.SubElement(_r(location, "TargetArea"), f"{{{GML_NS}}}Point"),
            f"{{{GML_NS}}}pos",
        )
        gml_point.text = f"{point[0]} {point[1]}"


def _response(info: etree._Element, preceding: int) -> None:
    response = _m(info, "ResponseInformation")
    _r(response, "PrecedingResourceInfoElementID", str(preceding))
    _r(response, "ResponseType", "Accept")


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def request_message(request: RequestRead, incident: str | None) -> bytes:
    """A request as a RequestResource: one ResourceInformation per line."""
    root = _head("RequestResource", request.id, request.created_at, request.note)
    _m(root, "OriginatingMessageID", message_id("request", request.id))
    _incident(root, incident)
    _contact(root, "Requester", request.state)
    point = None
    if request.delivery_latitude is not None and request.delivery_longitude is not None:
        point = (request.delivery_latitude, request.delivery_longitude)
    keywords = {URGENCY_LIST: request.urgency.value, VISIBILITY_LIST: str(request.visibility)}
    for line in request.lines:
        info = _m(root, "ResourceInformation")
        _m(info, "ResourceInfoElementID", str(line.line_no))
        _resource(info, line, keywords)
        _quantity(info, line.quantity, line.unit)
        _schedule(info, "RequestedArrival", request.needed_by, request.delivery_point, point)
    return _bytes(root)


def offer_message(offer: OfferRead, request: RequestRead, incident: str | None) -> bytes:
    """An answer to a request as a ResponseToRequestResource: one ResourceInformation per line,
    each pointing at the request line of the same item."""
    root = _head("ResponseToRequestResource", offer.id, offer.created_at, offer.note)
    _m(root, "OriginatingMessageID", message_id("request", request.id))
    _m(root, "PrecedingMessageID", message_id("request", request.id))
    _incident(root, incident)
    _contact(root, "RespondingOrg", offer.state)
    asked = {line.item: line.line_no for line in request.lines}
    for line in offer.lines:
        info = _m(root, "ResourceInformation")
        _m(info, "ResourceInfoElementID", str(line.line_no))
        _response(info, asked[line.item])
        _resource(info, line, {VISIBILITY_LIST: str(offer.visibility)})
        _quantity(info, line.quantity, line.unit)
        _schedule(info, "BeginAvailable", offer.available_from)
        _schedule(info, "EstimatedArrival", offer.expected_delivery)
    return _bytes(root)


def commitment_message(
    commitment: CommitmentRead, offer_line: OfferLineRead, sent: datetime
) -> bytes:
    """A commitment as a CommitResource answering the offer line it pledges."""
    root = _head("CommitResource", commitment.id, sent, commitment.note)
    _m(root, "OriginatingMessageID", message_id("request", commitment.request_id))
    _m(root, "PrecedingMessageID", message_id("offer", commitment.offer_id))
    offered_by = None if commitment.offered_by == SECRETARIAT else commitment.offered_by
    _contact(root, "RespondingOrg", offered_by)
    info = _m(root, "ResourceInformation")
    _m(info, "ResourceInfoElementID", "1")
    _response(info, offer_line.line_no)
    _resource(info, offer_line, {})
    _quantity(info, commitment.quantity, commitment.unit)
    _schedule(info, "Committed", commitment.pledged_on)
    _schedule(info, "EstimatedArrival", commitment.expected_delivery)
    return _bytes(root)
