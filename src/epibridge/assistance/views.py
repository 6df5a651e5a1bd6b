"""Turn requests, offers and commitments into the read models API, CLI and UI share."""

from __future__ import annotations

from datetime import date

from epibridge.assistance.catalogue import SECRETARIAT, catalogue
from epibridge.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Commitment,
    OfferLine,
    RequestLine,
)
from epibridge.assistance.schemas import (
    STATUS_MESSAGE,
    CommitmentRead,
    NeedRead,
    OfferLineRead,
    OfferRead,
    RequestLineRead,
    RequestRead,
)
from epibridge.assistance.statuses import CommitmentStatus, OfferStatus, RequestStatus

#: Statuses of commitments still holding their quantity.
HOLDING = frozenset(CommitmentStatus) - {CommitmentStatus.RELEASED}
#: Statuses in which goods are still expected.
IN_TRANSIT = frozenset({CommitmentStatus.PLEDGED, CommitmentStatus.DISPATCHED})
#: Statuses in which the goods have arrived.
ARRIVED = frozenset({CommitmentStatus.DELIVERED, CommitmentStatus.CONFIRMED})


def offered_by(offer: AssistanceOffer) -> str:
    return offer.state or SECRETARIAT


def _item_name(code: str) -> str:
    item = catalogue().get(code)
    return item.name if item else code


def line_progress(line: RequestLine, commitments: list[Commitment]) -> dict[str, int]:
    own = [c for c in commitments if c.request_line_id == line.id and c.status in HOLDING]
    pledged = sum(c.quantity for c in own)
    return {
        "pledged": pledged,
        "delivered": sum(c.quantity for c in own if c.status in ARRIVED),
        "confirmed": sum(c.quantity for c in own if c.status == CommitmentStatus.CONFIRMED),
        "remaining": max(line.quantity - pledged, 0),
    }


def request_read(
    request: AssistanceRequest, commitments: list[Commitment], today: date
) -> RequestRead:
    lines = []
    for line in request.lines:
        progress = line_progress(line, commitments)
        lines.append(
            RequestLineRead(
                id=line.id,
                line_no=line.line_no,
                item=line.item,
                item_name=_item_name(line.item),
                unit=line.unit,
                quantity=line.quantity,
                note=line.note,
                overdue=request.status == RequestStatus.OPEN
                and progress["remaining"] > 0
                and request.needed_by < today,
                **progress,
            )
        )
    remaining = sum(line.remaining for line in lines)
    status = request.status
    if status == RequestStatus.OPEN and remaining == 0:
        status = RequestStatus.FULFILLED
    return RequestRead(
        id=request.id,
        origin_node=request.origin_node,
        state=request.state,
        urgency=request.urgency,
        delivery_point=request.delivery_point,
        delivery_latitude=request.delivery_latitude,
        delivery_longitude=request.delivery_longitude,
        needed_by=request.needed_by,
        event_id=request.event_id,
        visibility=request.visibility,  # type: ignore[arg-type]
        status=status,
        note=request.note,
        lines=lines,
        remaining_total=remaining,
        overdue=any(line.overdue for line in lines),
        created_at=request.created_at,
        created_by=request.created_by,
        on_behalf=request.on_behalf,
    )


def offer_line_committed(line: OfferLine, commitments: list[Commitment]) -> int:
    return sum(
        c.quantity for c in commitments if c.offer_line_id == line.id and c.status in HOLDING
    )


def offer_read(offer: AssistanceOffer, commitments: list[Commitment]) -> OfferRead:
    lines = []
    for line in offer.lines:
        committed = offer_line_committed(line, commitments)
        lines.append(
            OfferLineRead(
                id=line.id,
                line_no=line.line_no,
                item=line.item,
                item_name=_item_name(line.item),
                unit=line.unit,
                quantity=line.quantity,
                committed=committed,
                remaining=max(line.quantity - committed, 0)
                if offer.status == OfferStatus.OPEN
                else 0,
                note=line.note,
            )
        )
    return OfferRead(
        id=offer.id,
        origin_node=offer.origin_node,
        message_kind=offer.message_kind,
        state=offer.state,
        offered_by=offered_by(offer),
        request_id=offer.request_id,
        available_from=offer.available_from,
        expected_delivery=offer.expected_delivery,
        visibility=offer.visibility,  # type: ignore[arg-type]
        status=offer.status,
        note=offer.note,
        lines=lines,
        remaining_total=sum(line.remaining for line in lines),
        created_at=offer.created_at,
        created_by=offer.created_by,
        on_behalf=offer.on_behalf,
    )


def overdue_reason(commitment: Commitment, request: AssistanceRequest, today: date) -> str | None:
    if commitment.status not in IN_TRANSIT:
        return None
    if commitment.expected_delivery is not None and commitment.expected_delivery < today:
        return f"expected on {commitment.expected_delivery}, not delivered"
    if request.needed_by < today:
        return f"needed by {request.needed_by}, not delivered"
    return None


def commitment_read(
    commitment: Commitment,
    request: AssistanceRequest,
    offer: AssistanceOffer,
    line: RequestLine,
    today: date,
) -> CommitmentRead:
    reason = overdue_reason(commitment, request, today)
    return CommitmentRead(
        id=commitment.id,
        origin_node=commitment.origin_node,
        message_kind=STATUS_MESSAGE[commitment.status],
        request_id=commitment.request_id,
        request_line_id=commitment.request_line_id,
        offer_id=commitment.offer_id,
        offer_line_id=commitment.offer_line_id,
        requesting_state=request.state,
        offered_by=offered_by(offer),
        item=line.item,
        unit=line.unit,
        quantity=commitment.quantity,
        status=commitment.status,
        expected_delivery=commitment.expected_delivery,
        needed_by=request.needed_by,
        pledged_on=commitment.pledged_on,
        dispatched_on=commitment.dispatched_on,
        delivered_on=commitment.delivered_on,
        confirmed_on=commitment.confirmed_on,
        released_on=commitment.released_on,
        overdue=reason is not None,
        overdue_reason=reason,
        note=commitment.note,
    )


def needs_of(read: RequestRead) -> list[NeedRead]:
    return [
        NeedRead(
            request_id=read.id,
            line_id=line.id,
            state=read.state,
            urgency=read.urgency,
            needed_by=read.needed_by,
            delivery_point=read.delivery_point,
            item=line.item,
            item_name=line.item_name,
            unit=line.unit,
            quantity=line.quantity,
            remaining=line.remaining,
            overdue=line.overdue,
        )
        for line in read.lines
        if line.remaining > 0
    ]
