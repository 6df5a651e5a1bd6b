"""Routes of emergency assistance: catalogue, requests, offers, commitments and the board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.assistance import service
from epibridge.assistance.schemas import (
    BoardRead,
    CatalogueItem,
    CommitmentCreate,
    CommitmentRead,
    CommitmentStatus,
    CommitmentStatusUpdate,
    OfferCreate,
    OfferRead,
    RequestCreate,
    RequestRead,
    RequestUpdate,
)
from epibridge.assistance.statuses import OfferStatus, RequestStatus
from epibridge.db import utcnow
from epibridge.inputs import Id
from epibridge.text import SafeText

router = APIRouter(prefix="/api/v1/assistance", tags=["assistance"])

Reason = Annotated[
    dict[SafeText, SafeText] | None, Body(description='{"reason": "..."} (optional)')
]


@router.get("/catalogue", response_model=list[CatalogueItem])
def catalogue() -> list[CatalogueItem]:
    """List the items that can be requested and offered, each with its unit."""
    return list(service.catalogue().values())


@router.get("/requests", response_model=Page[RequestRead])
def list_requests(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    state: str | None = None,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    item: str | None = None,
    event_id: Id | None = None,
    cursor: Cursor = None,
) -> Page[RequestRead]:
    """List the assistance requests you may see, with what remains needed."""
    return service.list_requests(
        session,
        actor=principal,
        state=state,
        status=status_,
        item=item,
        event_id=event_id,
        cursor=cursor,
        limit=limit,
    )


@router.post("/requests", response_model=RequestRead, status_code=status.HTTP_201_CREATED)
def create_request(
    session: WriteSession, principal: CurrentPrincipal, data: RequestCreate
) -> RequestRead:
    """Request assistance for a state (EDXL-RM RequestResource)."""
    request = service.create_request(session, actor=principal, data=data)
    return service.get_request(session, actor=principal, request_id=request.id)


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(session: ReadSession, principal: CurrentPrincipal, request_id: Id) -> RequestRead:
    """Show one request with what is pledged, delivered and still needed."""
    return service.get_request(session, actor=principal, request_id=request_id)


@router.patch("/requests/{request_id}", response_model=RequestRead)
def update_request(
    session: WriteSession, principal: CurrentPrincipal, request_id: Id, data: RequestUpdate
) -> RequestRead:
    """Change the urgency, delivery point, date or note of your state's open request."""
    service.update_request(session, actor=principal, request_id=request_id, data=data)
    return service.get_request(session, actor=principal, request_id=request_id)


@router.post("/requests/{request_id}/cancel", response_model=RequestRead)
def cancel_request(
    session: WriteSession, principal: CurrentPrincipal, request_id: Id, body: Reason = None
) -> RequestRead:
    """Cancel your state's request; pledges not yet dispatched are released."""
    service.cancel_request(
        session, actor=principal, request_id=request_id, reason=(body or {}).get("reason")
    )
    return service.get_request(session, actor=principal, request_id=request_id)


@router.get("/requests/{request_id}/matches")
def suggest_matches(
    session: ReadSession, principal: CurrentPrincipal, request_id: Id
) -> list[dict[str, Any]]:
    """List open offer lines that could meet what a request still needs."""
    return service.suggest_matches(session, actor=principal, request_id=request_id)


@router.get("/offers", response_model=Page[OfferRead])
def list_offers(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    state: Annotated[str | None, Query(description="ISO3, or SECRETARIAT.")] = None,
    request_id: Id | None = None,
    item: str | None = None,
    status_: Annotated[OfferStatus | None, Query(alias="status")] = None,
    available: Annotated[bool, Query(description="Only offers with something left.")] = False,
    cursor: Cursor = None,
) -> Page[OfferRead]:
    """List the assistance offers you may see, with what remains available."""
    return service.list_offers(
        session,
        actor=principal,
        state=state,
        request_id=request_id,
        item=item,
        status=status_,
        available_only=available,
        cursor=cursor,
        limit=limit,
    )


@router.post("/offers", response_model=OfferRead, status_code=status.HTTP_201_CREATED)
def create_offer(
    session: WriteSession, principal: CurrentPrincipal, data: OfferCreate
) -> OfferRead:
    """Offer assistance, answering a request or unsolicited (EDXL-RM)."""
    offer = service.create_offer(session, actor=principal, data=data)
    return service.get_offer(session, actor=principal, offer_id=offer.id)


@router.get("/offers/{offer_id}", response_model=OfferRead)
def get_offer(session: ReadSession, principal: CurrentPrincipal, offer_id: Id) -> OfferRead:
    """Show one offer with what is committed and still available."""
    return service.get_offer(session, actor=principal, offer_id=offer_id)


@router.post("/offers/{offer_id}/withdraw", response_model=OfferRead)
def withdraw_offer(
    session: WriteSession, principal: CurrentPrincipal, offer_id: Id, body: Reason = None
) -> OfferRead:
    """Withdraw your state's offer; pledges not yet dispatched are released."""
    service.withdraw_offer(
        session, actor=principal, offer_id=offer_id, reason=(body or {}).get("reason")
    )
    return service.get_offer(session, actor=principal, offer_id=offer_id)


@router.get("/commitments", response_model=Page[CommitmentRead])
def list_commitments(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    request_id: Id | None = None,
    offer_id: Id | None = None,
    status_: Annotated[CommitmentStatus | None, Query(alias="status")] = None,
    overdue: Annotated[bool, Query(description="Only overdue commitments.")] = False,
    cursor: Cursor = None,
) -> Page[CommitmentRead]:
    """List commitments on requests you may see."""
    return service.list_commitments(
        session,
        actor=principal,
        request_id=request_id,
        offer_id=offer_id,
        status=status_,
        overdue_only=overdue,
        cursor=cursor,
        limit=limit,
    )


@router.post("/commitments", response_model=CommitmentRead, status_code=status.HTTP_201_CREATED)
def commit(
    session: WriteSession, principal: CurrentPrincipal, data: CommitmentCreate
) -> CommitmentRead:
    """Pledge part of an offer to a request (EDXL-RM CommitResource)."""
    commitment = service.commit(session, actor=principal, data=data)
    return service.read(session, commitment, utcnow().date())


@router.get("/commitments/{commitment_id}", response_model=CommitmentRead)
def get_commitment(
    session: ReadSession, principal: CurrentPrincipal, commitment_id: Id
) -> CommitmentRead:
    """Show one commitment with its dates."""
    commitment = service.get_commitment(session, actor=principal, commitment_id=commitment_id)
    return service.read(session, commitment, utcnow().date())


@router.post("/commitments/{commitment_id}/status", response_model=CommitmentRead)
def change_status(
    session: WriteSession,
    principal: CurrentPrincipal,
    commitment_id: Id,
    data: CommitmentStatusUpdate,
) -> CommitmentRead:
    """Report a commitment dispatched, delivered, confirmed (requesting state) or released."""
    commitment = service.change_status(
        session, actor=principal, commitment_id=commitment_id, data=data
    )
    return service.read(session, commitment, utcnow().date())


@router.get("/board", response_model=BoardRead)
def board(
    session: ReadSession,
    principal: CurrentPrincipal,
    state: str | None = None,
    item: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per section.")] = 100,
) -> BoardRead:
    """Show the open needs and the pledges not yet confirmed, overdue ones first."""
    return service.board(session, actor=principal, state=state, item=item, limit=limit)
