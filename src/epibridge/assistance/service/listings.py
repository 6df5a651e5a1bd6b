"""What requests and offers share as listings: catalogue lines put up by their owner, open until
the owner ends them (a request is cancelled, an offer withdrawn).

Only what is the same rule lives here. What differs in meaning stays with each: who owns an
offer (a state or the Secretariat), a request's delivery date and place, an answer's match to
the request it answers, a request's derived ``fulfilled``, and whom each change is told to.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from epibridge.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Commitment,
    OfferLine,
    RequestLine,
)
from epibridge.assistance.schemas import LineIn
from epibridge.assistance.service import common
from epibridge.assistance.statuses import OfferStatus, RequestStatus
from epibridge.db import utcnow
from epibridge.errors import Conflict
from epibridge.i18n import N_
from epibridge.security import Principal

Listing = AssistanceRequest | AssistanceOffer
#: A listing its owner has not ended (each kind has its own enum; the value is the same).
OPEN = (RequestStatus.OPEN, OfferStatus.OPEN)
L = TypeVar("L", RequestLine, OfferLine)


def new_lines(model: type[L], lines: list[LineIn]) -> list[L]:
    """The rows of a new listing's lines, numbered from 1 in the order given."""
    return [
        model(
            line_no=index + 1,
            item=line.item,
            unit=line.unit,
            quantity=line.quantity,
            note=line.note,
        )
        for index, line in enumerate(lines)
    ]


def opening(
    actor: Principal,
    *,
    status: RequestStatus | OfferStatus,
    visibility: str,
    note: str | None,
    on_behalf: bool,
) -> dict[str, Any]:
    """The columns every new listing starts with: open, and stamped with who put it up when."""
    now = utcnow()
    return {
        "visibility": visibility,
        "status": status,
        "note": note,
        "created_at": now,
        "created_by": actor.actor,
        "on_behalf": on_behalf,
        "updated_at": now,
    }


def require_open(listing: Listing) -> None:
    """An ended listing stays ended: it is neither cancelled nor withdrawn twice."""
    what = "request" if isinstance(listing, AssistanceRequest) else "offer"
    if listing.status not in OPEN:
        raise Conflict(
            N_("request {id} is already {status}")
            if what == "request"
            else N_("offer {id} is already {status}"),
            params={"id": listing.id, "status": listing.status},
        )


def end(
    session: Session, listing: Listing, *, status: str, reason: str | None, day: date
) -> tuple[list[Commitment], list[int]]:
    """End an open listing for good; return its commitments and the ids of those released.

    The owner's reason is kept in the note; pledges not yet dispatched are released, since
    what was not sent is no longer wanted (request) or no longer coming (offer). Goods already
    on their way stay tracked.
    """
    require_open(listing)
    listing.status = status
    if reason:
        label = status.capitalize()
        listing.note = f"{listing.note}\n\n{label}: {reason}" if listing.note else reason
    listing.updated_at = utcnow()
    commitments = (
        common.commitments_of(session, request_ids=[listing.id])
        if isinstance(listing, AssistanceRequest)
        else common.commitments_of(session, offer_ids=[listing.id])
    )
    released = common.release_pledged(commitments, day=day, at=listing.updated_at)
    session.flush()
    return commitments, released
