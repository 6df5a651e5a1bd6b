"""Importing an EDXL-RM message: schema first, then the assistance service decides.

RequestResource creates a request, ResponseToRequestResource an offer answering one of this
system's requests, CommitResource one commitment per ResourceInformation. The caller's
permissions are the service's (a focal point acts for its own state only); any refusal is
raised before the caller's transaction commits, so a refused document writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import CommitmentCreate, OfferCreate, RequestCreate
from epibridge.errors import DomainError, InvalidInput
from epibridge.gateways.edxl import documents, rm_build, rm_read
from epibridge.gateways.edxl.rm_read import Reading, refused
from epibridge.i18n import N_
from epibridge.security import Principal
from epibridge.text import printable
from epibridge.validation_messages import field_error

Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")
_NS = {"m": documents.RM_MSG_NS, "rm": documents.RM_NS}


@dataclass(frozen=True)
class Imported:
    """What a message created: its kind (request, offer, commitment) and the new ids."""

    kind: str
    ids: list[int]
    #: The request answered (offers and commitments), or created (requests).
    request_id: int


def read_message(xml: bytes) -> etree._Element:
    """The root of a schema-valid EDXL-RM message of a kind spoken here, else InvalidInput."""
    tree = documents.parse(xml)
    namespace, name = documents.root_name(tree)
    if namespace != documents.RM_MSG_NS or name not in documents.RM_MESSAGES:
        raise documents.wrong_root(
            tree, " | ".join(f"{{{documents.RM_MSG_NS}}}{m}" for m in documents.RM_MESSAGES)
        )
    documents.validate(tree, documents.rm_schema(name))
    return tree.getroot()


def _validated(model: type[Model], reading: Reading, root: str) -> Model:
    try:
        return model.model_validate(reading.values)
    except ValidationError as exc:
        raise InvalidInput(
            N_("the EDXL-RM message cannot be imported"),
            [
                field_error(e, value=printable(str(e.get("input")), 200)).at(
                    reading.where(".".join(map(str, e["loc"])), root)
                )
                for e in exc.errors()
            ],
        ) from None


def _ruled(call: Callable[[], Result], reading: Reading, root: str) -> Result:
    """Call the service; its refusals name the element each field came from."""
    try:
        return call()
    except DomainError as exc:
        exc.errors = [e.at(reading.where(e.field, root)) for e in exc.errors]
        raise


def _note(root: etree._Element, reading: Reading) -> None:
    node = root.find(f"{{{documents.RM_MSG_NS}}}MessageDescription")
    if node is not None and node.text and node.text.strip():
        reading.put("note", node.text.strip(), node)


def _state_or_own(root: etree._Element, role: str, actor: Principal, reading: Reading) -> None:
    if not rm_read.party(root, role, reading, "state") and actor.state:
        reading.put("state", actor.state, documents.path_of(root) + "/ContactInformation")


def _request(session: Session, actor: Principal, root: etree._Element) -> Imported:
    where = documents.path_of(root)
    reading = Reading()
    _state_or_own(root, "Requester", actor, reading)
    if "state" not in reading.values:
        raise refused(
            where + "/ContactInformation",
            N_("name the requesting state (xal:Country NameCode, ISO 3166)"),
        )
    rm_read.event(root, reading)
    _note(root, reading)
    units = {code: item.unit for code, item in assistance.catalogue().items()}
    infos = rm_read.lines(root, reading, units)
    rm_read.delivery(infos[0], reading)
    rm_read.keyword(infos[0], rm_build.URGENCY_LIST, reading, "urgency")
    reading.values.setdefault("urgency", "expected")  # EDXL-RM has no urgency of its own
    rm_read.keyword(infos[0], rm_build.VISIBILITY_LIST, reading, "visibility")
    data = _validated(RequestCreate, reading, where)
    made = _ruled(
        lambda: assistance.create_request(session, actor=actor, data=data), reading, where
    )
    return Imported("request", [made.id], made.id)


def _accepted(infos: list[etree._Element]) -> None:
    for info in infos:
        kind = info.find("m:ResponseInformation/rm:ResponseType", _NS)
        if kind is not None and kind.text != "Accept":
            raise refused(
                documents.path_of(kind), N_("only an Accept response is an offer"), kind.text
            )


def _offer(session: Session, actor: Principal, root: etree._Element) -> Imported:
    where = documents.path_of(root)
    reading = Reading()
    preceding = root.find("m:PrecedingMessageID", _NS)
    reading.put("request_id", rm_read.our_id(preceding, "request"), preceding)
    _state_or_own(root, "RespondingOrg", actor, reading)
    _note(root, reading)
    units = {code: item.unit for code, item in assistance.catalogue().items()}
    infos = rm_read.lines(root, reading, units)
    _accepted(infos)
    rm_read.scheduled_day(infos[0], "BeginAvailable", reading, "available_from")
    rm_read.scheduled_day(infos[0], "EstimatedArrival", reading, "expected_delivery")
    rm_read.keyword(infos[0], rm_build.VISIBILITY_LIST, reading, "visibility")
    data = _validated(OfferCreate, reading, where)
    made = _ruled(lambda: assistance.create_offer(session, actor=actor, data=data), reading, where)
    return Imported("offer", [made.id], data.request_id or 0)


def _commitment_data(
    info: etree._Element, offer_lines: dict[str, Any], request_lines: dict[str, int]
) -> tuple[Reading, CommitmentCreate]:
    reading = Reading()
    preceding = info.find("m:ResponseInformation/rm:PrecedingResourceInfoElementID", _NS)
    line = offer_lines.get((preceding.text or "").strip()) if preceding is not None else None
    if line is None:
        raise refused(
            documents.path_of(preceding if preceding is not None else info),
            N_("not a line of the offer answered"),
            preceding.text if preceding is not None else None,
        )
    reading.put("offer_line_id", line.id, preceding)
    if line.item not in request_lines:
        raise refused(documents.path_of(preceding), N_("the request does not ask for this item"))
    reading.put("request_line_id", request_lines[line.item], preceding)
    amount = info.find("m:AssignmentInformation/m:Quantity/rm:MeasuredQuantity/rm:Amount", _NS)
    if amount is None:
        raise refused(
            documents.path_of(info) + "/AssignmentInformation/Quantity",
            N_("give the quantity as MeasuredQuantity/Amount"),
        )
    number = float(amount.text)
    if not number.is_integer() or abs(number) > 2**31:
        raise refused(documents.path_of(amount), N_("must be a whole number"), amount.text)
    reading.put("quantity", int(number), amount)
    rm_read.scheduled_day(info, "EstimatedArrival", reading, "expected_delivery")
    return reading, _validated(CommitmentCreate, reading, documents.path_of(info))


def _commit(session: Session, actor: Principal, root: etree._Element) -> Imported:
    where = documents.path_of(root)
    origin = root.find("m:OriginatingMessageID", _NS)
    preceding = root.find("m:PrecedingMessageID", _NS)
    request_id = rm_read.our_id(origin, "request")
    offer_id = rm_read.our_id(preceding, "offer")
    ids = Reading(paths={"request_id": documents.path_of(origin)})
    ids.paths["offer_id"] = documents.path_of(preceding)
    request = _ruled(
        lambda: assistance.get_request(session, actor=actor, request_id=request_id), ids, where
    )
    offer = _ruled(
        lambda: assistance.get_offer(session, actor=actor, offer_id=offer_id), ids, where
    )
    offer_lines = {str(line.line_no): line for line in offer.lines}
    request_lines = {line.item: line.id for line in request.lines}
    made = []
    for info in root.findall("m:ResourceInformation", _NS):
        reading, data = _commitment_data(info, offer_lines, request_lines)
        if "note" not in reading.values:
            description = root.find("m:MessageDescription", _NS)
            if description is not None and description.text and description.text.strip():
                data = data.model_copy(update={"note": description.text.strip()[:2000]})
        commitment = _ruled(
            lambda d=data: assistance.commit(session, actor=actor, data=d),
            reading,
            documents.path_of(info),
        )
        made.append(commitment.id)
    return Imported("commitment", made, request_id)


_BY_MESSAGE = {
    "RequestResource": _request,
    "ResponseToRequestResource": _offer,
    "CommitResource": _commit,
}


def import_message(session: Session, *, actor: Principal, xml: bytes) -> Imported:
    """Create what an EDXL-RM message asks for, as ``actor``; InvalidInput names the element."""
    root = read_message(xml)
    return _BY_MESSAGE[etree.QName(root).localname](session, actor, root)
