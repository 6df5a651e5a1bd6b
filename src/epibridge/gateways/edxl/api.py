"""Routes of the EDXL gateway: EDXL-RM for assistance, EDXL-DE around CAP for notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.gateways.edxl import de, exports, rm_import
from epibridge.inputs import Id
from epibridge.notifications.schemas import Created
from epibridge.notifications.service import common

XML = "application/xml"
_XML_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {XML: {"schema": {"type": "string"}}}}
}
_XML_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {XML: {}}, "description": "the OASIS EDXL XML"}
}

assistance_router = APIRouter(prefix="/api/v1/assistance", tags=["assistance"])
notifications_router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class RmImported(BaseModel):
    """What an imported EDXL-RM message created."""

    kind: str = Field(description="request, offer or commitment")
    ids: list[int] = Field(description="The ids created (one commitment per line).")


async def _xml_body(request: Request) -> bytes:
    return await request.body()


XmlBody = Annotated[bytes, Depends(_xml_body)]


@assistance_router.get(
    "/requests/{request_id}/edxl-rm", response_class=Response, responses=_XML_ANSWER
)
def request_edxl(session: ReadSession, principal: CurrentPrincipal, request_id: Id) -> Response:
    """Answer the request as an OASIS EDXL-RM 1.0 RequestResource."""
    xml = exports.request_xml(session, actor=principal, request_id=request_id)
    return Response(content=xml, media_type=XML)


@assistance_router.get("/offers/{offer_id}/edxl-rm", response_class=Response, responses=_XML_ANSWER)
def offer_edxl(session: ReadSession, principal: CurrentPrincipal, offer_id: Id) -> Response:
    """Answer an offer to a request as an EDXL-RM ResponseToRequestResource."""
    xml = exports.offer_xml(session, actor=principal, offer_id=offer_id)
    return Response(content=xml, media_type=XML)


@assistance_router.get(
    "/commitments/{commitment_id}/edxl-rm", response_class=Response, responses=_XML_ANSWER
)
def commitment_edxl(
    session: ReadSession, principal: CurrentPrincipal, commitment_id: Id
) -> Response:
    """Answer a commitment as an EDXL-RM CommitResource."""
    xml = exports.commitment_xml(session, actor=principal, commitment_id=commitment_id)
    return Response(content=xml, media_type=XML)


@assistance_router.post(
    "/edxl-rm",
    response_model=RmImported,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_XML_BODY,
)
def import_edxl_rm(session: WriteSession, principal: CurrentPrincipal, xml: XmlBody) -> RmImported:
    """Import an EDXL-RM RequestResource, ResponseToRequestResource or CommitResource."""
    made = rm_import.import_message(session, actor=principal, xml=xml)
    return RmImported(kind=made.kind, ids=made.ids)


@notifications_router.get("/{event_id}/edxl-de", response_class=Response, responses=_XML_ANSWER)
def event_edxl(session: ReadSession, principal: CurrentPrincipal, event_id: Id) -> Response:
    """Answer the event's latest CAP 1.2 alert inside an OASIS EDXL-DE 2.0 envelope."""
    xml = de.distribution_xml(session, actor=principal, event_id=event_id)
    return Response(content=xml, media_type=XML)


@notifications_router.post(
    "/edxl-de",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_XML_BODY,
    responses={200: {"model": Created, "description": "already imported (same CAP identifier)"}},
)
def import_edxl_de(
    session: WriteSession, principal: CurrentPrincipal, xml: XmlBody
) -> Created | JSONResponse:
    """Import the CAP 1.2 alert of an EDXL-DE 2.0 envelope (as POST /notifications/cap)."""
    event, changed = de.import_distribution(session, actor=principal, xml=xml)
    created = Created(
        id=event.id,
        status=event.status,
        version=event.version,
        created=changed,
        links=common.links(event.id),
    )
    if not changed:
        return JSONResponse(created.model_dump(mode="json"), status_code=200)
    return created
