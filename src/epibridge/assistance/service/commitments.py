"""Commitments (EDXL-RM CommitResource) and their tracking until the requester confirms."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.assistance import views
from epibridge.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Commitment,
    OfferLine,
    RequestLine,
)
from epibridge.assistance.schemas import (
    STATUS_MESSAGE,
    CommitmentCreate,
    CommitmentRead,
    CommitmentStatusUpdate,
)
from epibridge.assistance.service import common, replicas
from epibridge.assistance.statuses import CommitmentStatus, OfferStatus, RequestStatus
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.paging import Page
from epibridge.security import Principal

#: The status each status may move to, and the date column it stamps.
_NEXT = {
    CommitmentStatus.PLEDGED: CommitmentStatus.DISPATCHED,
    CommitmentStatus.DISPATCHED: CommitmentStatus.DELIVERED,
    CommitmentStatus.DELIVERED: CommitmentStatus.CONFIRMED,
}
_DATE_COLUMN = {status: f"{status}_on" for status in CommitmentStatus}


def read(session: Session, commitment: Commitment, today: date) -> CommitmentRead:
    request = session.get(AssistanceRequest, commitment.request_id)
    offer = session.get(AssistanceOffer, commitment.offer_id)
    line = session.get(RequestLine, commitment.request_line_id)
    assert request is not None and offer is not None and line is not None
    return views.commitment_read(commitment, request, offer, line, today)


def _lines_to_match(session: Session, data: CommitmentCreate) -> tuple[RequestLine, OfferLine]:
    """The request line and the offer line named, or ``NotFound`` naming the unknown ones."""
    request_line = session.get(RequestLine, data.request_line_id)
    offer_line = session.get(OfferLine, data.offer_line_id)
    errors = []
    if request_line is None:
        errors.append(FieldError("request_line_id", "unknown request line", data.request_line_id))
    if offer_line is None:
        errors.append(FieldError("offer_line_id", "unknown offer line", data.offer_line_id))
    if errors:
        raise NotFound("the lines to match do not exist", errors)
    assert request_line is not None and offer_line is not None
    return request_line, offer_line


def _match_errors(
    request: AssistanceRequest,
    offer: AssistanceOffer,
    request_line: RequestLine,
    offer_line: OfferLine,
) -> list[FieldError]:
    """Why this offer line cannot serve this request line: status, own state, item."""
    errors = []
    if request.status != RequestStatus.OPEN:
        errors.append(
            FieldError(
                "request_line_id",
                N_("the request is {status}"),
                request.id,
                params={"status": request.status},
            )
        )
    if offer.status != OfferStatus.OPEN:
        errors.append(
            FieldError(
                "offer_line_id",
                N_("the offer is {status}"),
                offer.id,
                params={"status": offer.status},
            )
        )
    if offer.state is not None and offer.state == request.state:
        errors.append(
            FieldError("offer_line_id", "a state cannot pledge to its own request", offer.state)
        )
    if request_line.item != offer_line.item:
        errors.append(
            FieldError(
                "offer_line_id",
                N_("the offer line is {offered}, the request line {requested}"),
                offer_line.item,
                params={"offered": offer_line.item, "requested": request_line.item},
            )
        )
    return errors


def _quantity_errors(
    session: Session,
    quantity: int,
    request: AssistanceRequest,
    offer: AssistanceOffer,
    request_line: RequestLine,
    offer_line: OfferLine,
) -> list[FieldError]:
    """The quantity must be positive and within what remains needed and what remains offered."""
    existing = common.commitments_of(session, request_ids=[request.id]) + [
        c
        for c in common.commitments_of(session, offer_ids=[offer.id])
        if c.request_id != request.id
    ]
    needed = views.line_progress(request_line, existing)["remaining"]
    available = offer_line.quantity - views.offer_line_committed(offer_line, existing)
    if quantity <= 0:
        return [FieldError("quantity", "must be more than zero", quantity)]
    errors = []
    if quantity > needed:
        errors.append(
            FieldError(
                "quantity",
                N_("only {quantity} {unit} of {item} remain needed"),
                quantity,
                params={"quantity": needed, "unit": request_line.unit, "item": request_line.item},
            )
        )
    if quantity > available:
        errors.append(
            FieldError(
                "quantity",
                N_("only {quantity} {unit} of {item} remain offered"),
                quantity,
                params={"quantity": available, "unit": offer_line.unit, "item": offer_line.item},
            )
        )
    return errors


def commit(
    session: Session, *, actor: Principal, data: CommitmentCreate, today: date | None = None
) -> Commitment:
    """Pledge part of an offer line to a request line (the offerer, or the Secretariat)."""
    day = today or utcnow().date()
    request_line, offer_line = _lines_to_match(session, data)
    # Lock order everywhere: request, then offer, then commitment.
    request = common.load_request(session, request_line.request_id, actor, lock=True)
    offer = common.load_offer(session, offer_line.offer_id, actor, lock=True)
    replicas.refuse_replica(offer, actor, "offer")
    on_behalf = common.authorize_offerer(actor, offer.state)
    errors = _match_errors(request, offer, request_line, offer_line)
    errors += _quantity_errors(session, data.quantity, request, offer, request_line, offer_line)
    expected = data.expected_delivery or offer.expected_delivery
    if expected is not None and expected < day:
        errors.append(FieldError("expected_delivery", "is in the past", expected.isoformat()))
    if errors:
        raise InvalidInput("the commitment is not valid", errors)
    now = utcnow()
    commitment = Commitment(
        request_id=request.id,
        request_line_id=request_line.id,
        offer_id=offer.id,
        offer_line_id=offer_line.id,
        quantity=data.quantity,
        status=CommitmentStatus.PLEDGED,
        expected_delivery=expected,
        pledged_on=day,
        note=data.note,
        created_at=now,
        created_by=actor.actor,
        updated_at=now,
    )
    session.add(commitment)
    session.flush()
    state = views.commitment_read(commitment, request, offer, request_line, day).model_dump(
        mode="json"
    )
    common.record(
        session,
        actor=actor,
        action="commit",
        entity="assistance_commitment",
        entity_id=commitment.id,
        state={**state, "on_behalf": on_behalf},
        topic="assistance.committed",
        states=[request.state, offer.state],
        visibility=request.visibility,
    )
    return commitment


def get_commitment(
    session: Session, *, actor: Principal, commitment_id: int, lock: bool = False
) -> Commitment:
    commitment = common.locked(session, Commitment, commitment_id, lock)
    if commitment is None:
        raise NotFound(
            N_("no commitment {id}"),
            [FieldError("commitment_id", "unknown commitment", commitment_id)],
            params={"id": commitment_id},
        )
    common.load_request(session, commitment.request_id, actor)
    return commitment


def check_step(
    actor: Principal,
    commitment: Commitment,
    request: AssistanceRequest,
    offer: AssistanceOffer,
    target: CommitmentStatus,
) -> bool:
    """Raise unless ``actor`` may move ``commitment`` to ``target`` now; return whether on a
    state's behalf. The offerer dispatches, delivers and releases; the requester confirms.

    A replica commitment refuses every step but one: the requesting state confirms receipt
    on its own node (where its request is local); the receipt travels to the commitment's
    node, which applies it and sends the commitment back as it is then."""
    if not (target == CommitmentStatus.CONFIRMED and replicas.receipt_here(commitment, request)):
        replicas.refuse_replica(commitment, actor, "commitment")
    if target == CommitmentStatus.CONFIRMED:
        # Only the state that asked (or the Secretariat on its behalf) confirms receipt.
        on_behalf = common.authorize_state(actor, request.state)
    else:
        on_behalf = common.authorize_offerer(actor, offer.state)
    current = commitment.status
    if target == CommitmentStatus.RELEASED:
        if current not in (CommitmentStatus.PLEDGED, CommitmentStatus.DISPATCHED):
            raise Conflict(
                N_("commitment {id} is {status}; only a pledged or dispatched one can be released"),
                [
                    FieldError(
                        "status",
                        N_("cannot go from {status} to {target}"),
                        target,
                        params={"status": current, "target": target},
                    )
                ],
                params={"id": commitment.id, "status": current},
            )
    elif _NEXT.get(current) != target:
        expected = _NEXT.get(current)
        raise Conflict(
            N_("commitment {id} is {status}; its next step is {expected}")
            if expected
            else N_("commitment {id} is {status}; it cannot change any more"),
            [
                FieldError(
                    "status",
                    N_("cannot go from {status} to {target}"),
                    target,
                    params={"status": current, "target": target},
                )
            ],
            params={"id": commitment.id, "status": current, "expected": expected},
        )
    return on_behalf


def change_status(
    session: Session,
    *,
    actor: Principal,
    commitment_id: int,
    data: CommitmentStatusUpdate,
    today: date | None = None,
) -> Commitment:
    """Move a commitment on: dispatched, delivered (offerer), confirmed (requester), released."""
    day = today or utcnow().date()
    commitment = get_commitment(session, actor=actor, commitment_id=commitment_id, lock=True)
    request = session.get(AssistanceRequest, commitment.request_id)
    offer = session.get(AssistanceOffer, commitment.offer_id)
    assert request is not None and offer is not None
    target = data.status
    on_behalf = check_step(actor, commitment, request, offer, target)
    current = commitment.status
    on = data.on or day
    if on > day:
        raise InvalidInput(
            "a step cannot be dated in the future",
            [FieldError("on", "in the future", on.isoformat())],
        )
    previous = getattr(commitment, _DATE_COLUMN[current])
    if previous is not None and on < previous:
        raise InvalidInput(
            N_("the date is before the {status} date {previous}"),
            [
                FieldError(
                    "on", N_("before {previous}"), on.isoformat(), params={"previous": previous}
                )
            ],
            params={"status": current, "previous": previous},
        )
    commitment.status = target
    setattr(commitment, _DATE_COLUMN[target], on)
    if data.expected_delivery is not None:
        commitment.expected_delivery = data.expected_delivery
    if data.note:
        commitment.note = f"{commitment.note}\n{data.note}" if commitment.note else data.note
    commitment.updated_at = utcnow()
    session.flush()
    state = read(session, commitment, day).model_dump(mode="json")
    common.record(
        session,
        actor=actor,
        action=target,
        entity="assistance_commitment",
        entity_id=commitment.id,
        # ``step_note``: this step's own note (a receipt carries it to the commitment's node).
        state={**state, "previous_status": current, "on_behalf": on_behalf, "step_note": data.note},
        topic="assistance.released"
        if target == CommitmentStatus.RELEASED
        else "assistance.status_changed",
        states=[request.state, offer.state],
        visibility=request.visibility,
    )
    return commitment


def list_commitments(
    session: Session,
    *,
    actor: Principal,
    request_id: int | None = None,
    offer_id: int | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> Page[CommitmentRead]:
    """List the commitments on requests the caller may see, oldest first."""
    day = today or utcnow().date()
    query = (
        select(Commitment)
        .join(AssistanceRequest, AssistanceRequest.id == Commitment.request_id)
        .where(AssistanceRequest.visibility.in_(common.visible_levels(actor)))
    )
    if request_id is not None:
        query = query.where(Commitment.request_id == request_id)
    if offer_id is not None:
        query = query.where(Commitment.offer_id == offer_id)
    if status:
        query = query.where(Commitment.status == status)
    return paging.page(
        session,
        query,
        paging.Order(Commitment.id),
        cursor=cursor,
        limit=limit,
        convert=lambda rows: [read(session, commitment, day) for commitment in rows],
        # Overdue depends on today and the delivery dates: filtered on the reads.
        keep=(lambda item: item.overdue) if overdue_only else None,
    )


def suggest_matches(
    session: Session, *, actor: Principal, request_id: int
) -> list[dict[str, object]]:
    """List open offer lines that could meet what a request still needs, largest first."""
    request = common.load_request(session, request_id, actor)
    commitments = common.commitments_of(session, request_ids=[request.id])
    suggestions: list[dict[str, object]] = []
    for line in request.lines:
        remaining = views.line_progress(line, commitments)["remaining"]
        if remaining == 0 or request.status != RequestStatus.OPEN:
            continue
        candidates = session.execute(
            select(OfferLine, AssistanceOffer)
            .join(AssistanceOffer, AssistanceOffer.id == OfferLine.offer_id)
            .where(
                OfferLine.item == line.item,
                AssistanceOffer.status == OfferStatus.OPEN,
                AssistanceOffer.visibility.in_(common.visible_levels(actor)),
                (AssistanceOffer.state.is_(None)) | (AssistanceOffer.state != request.state),
                (AssistanceOffer.request_id.is_(None)) | (AssistanceOffer.request_id == request.id),
            )
            .order_by(OfferLine.id)
        ).all()
        offered = common.commitments_of(session, offer_ids=sorted({o.id for _, o in candidates}))
        for offer_line, offer in candidates:
            available = offer_line.quantity - views.offer_line_committed(offer_line, offered)
            if available <= 0:
                continue
            suggestions.append(
                {
                    "request_line_id": line.id,
                    "offer_id": offer.id,
                    "offer_line_id": offer_line.id,
                    "offered_by": views.offered_by(offer),
                    "item": line.item,
                    "unit": line.unit,
                    "needed": remaining,
                    "available": available,
                    "quantity": min(remaining, available),
                    "message_kind": STATUS_MESSAGE[CommitmentStatus.PLEDGED],
                }
            )
    suggestions.sort(key=lambda s: (s["request_line_id"], -int(s["quantity"])))  # type: ignore[call-overload]
    return suggestions
