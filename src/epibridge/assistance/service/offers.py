"""Offers of assistance: in answer to a request or unsolicited; withdrawal; reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from epibridge import paging
from epibridge.assistance import views
from epibridge.assistance.catalogue import SECRETARIAT
from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, OfferLine
from epibridge.assistance.schemas import CommitmentCreate, OfferCreate, OfferRead
from epibridge.assistance.service import common, listings, replicas
from epibridge.assistance.statuses import MessageKind, OfferStatus, RequestStatus
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize


def answer_errors(request: AssistanceRequest, state: str | None) -> list[FieldError]:
    """Why ``state`` (None: the Secretariat's own account) cannot answer ``request``."""
    errors = []
    if request.status != RequestStatus.OPEN:
        errors.append(
            FieldError(
                "request_id",
                N_("the request is {status}"),
                request.id,
                params={"status": request.status},
            )
        )
    if state is not None and state == request.state:
        errors.append(FieldError("state", "a state does not answer its own request", state))
    return errors


def create_offer(
    session: Session, *, actor: Principal, data: OfferCreate, today: date | None = None
) -> AssistanceOffer:
    """Record an offer (a state's, or the Secretariat's own); optionally pledge it at once."""
    from epibridge.assistance.service.commitments import commit

    day = today or utcnow().date()
    state = members.require_state(session, data.state, field="state") if data.state else None
    on_behalf = common.authorize_offerer(actor, state)
    errors: list[FieldError] = []
    common.check_lines(data.lines, errors)
    request = None
    if data.request_id is not None:
        request = common.load_request(session, data.request_id, actor, lock=data.commit)
        errors += answer_errors(request, state)
        asked = {line.item for line in request.lines}
        for index, line in enumerate(data.lines):
            if line.item in common.catalogue() and line.item not in asked:
                errors.append(
                    FieldError(
                        f"lines.{index}.item",
                        N_("line {line}: request {id} does not ask for {item}"),
                        line.item,
                        params={"line": index + 1, "id": request.id, "item": line.item},
                    )
                )
    elif data.commit:
        errors.append(FieldError("commit", "only an answer to a request can be pledged at once"))
    if (
        data.available_from
        and data.expected_delivery
        and data.expected_delivery < data.available_from
    ):
        errors.append(
            FieldError(
                "expected_delivery", "before available_from", data.expected_delivery.isoformat()
            )
        )
    if errors:
        raise InvalidInput("the offer is not valid", errors)
    offer = AssistanceOffer(
        message_kind=MessageKind.RESPONSE_TO_REQUEST_RESOURCE
        if request
        else MessageKind.OFFER_UNSOLICITED_RESOURCE,
        state=state,
        request_id=request.id if request else None,
        available_from=data.available_from,
        expected_delivery=data.expected_delivery,
        **listings.opening(
            actor,
            status=OfferStatus.OPEN,
            visibility=data.visibility,
            note=data.note,
            on_behalf=on_behalf,
        ),
        lines=listings.new_lines(OfferLine, data.lines),
    )
    session.add(offer)
    session.flush()
    common.record(
        session,
        actor=actor,
        action="offer",
        entity="assistance_offer",
        entity_id=offer.id,
        state=views.offer_read(offer, []).model_dump(mode="json"),
        topic="assistance.offered",
        states=[state, request.state if request else None],
        visibility=offer.visibility,
    )
    if data.commit and request is not None:
        by_item = {line.item: line for line in request.lines}
        commitments = common.commitments_of(session, request_ids=[request.id])
        for line in offer.lines:
            need = by_item[line.item]
            remaining = views.line_progress(need, commitments)["remaining"]
            quantity = min(remaining, line.quantity)
            if quantity > 0:
                commit(
                    session,
                    actor=actor,
                    data=CommitmentCreate(
                        request_line_id=need.id,
                        offer_line_id=line.id,
                        quantity=quantity,
                        expected_delivery=data.expected_delivery,
                    ),
                    today=day,
                )
    return offer


def check_may_withdraw(actor: Principal, offer: AssistanceOffer) -> None:
    """Raise unless ``actor`` may withdraw ``offer`` now: the offerer's, and still open."""
    replicas.refuse_replica(offer, actor, "offer")
    common.authorize_offerer(actor, offer.state)
    listings.require_open(offer)


def withdraw_offer(
    session: Session,
    *,
    actor: Principal,
    offer_id: int,
    reason: str | None = None,
    today: date | None = None,
) -> AssistanceOffer:
    """Withdraw an offer; its pledges not yet dispatched are released."""
    day = today or utcnow().date()
    offer = common.load_offer(session, offer_id, actor, lock=True)
    check_may_withdraw(actor, offer)
    commitments, released = listings.end(
        session, offer, status=OfferStatus.WITHDRAWN, reason=reason, day=day
    )
    requesters = sorted({c.request_id for c in commitments})
    common.record(
        session,
        actor=actor,
        action="withdraw",
        entity="assistance_offer",
        entity_id=offer.id,
        state={
            **views.offer_read(offer, commitments).model_dump(mode="json"),
            "released_commitments": released,
        },
        topic="assistance.offer_withdrawn",
        states=[offer.state, *_request_states(session, requesters)],
        visibility=offer.visibility,
    )
    return offer


def _request_states(session: Session, request_ids: list[int]) -> list[str]:
    if not request_ids:
        return []
    return list(
        session.execute(
            select(AssistanceRequest.state).where(AssistanceRequest.id.in_(request_ids))
        ).scalars()
    )


def get_offer(session: Session, *, actor: Principal, offer_id: int) -> OfferRead:
    """Show one offer with what is committed and what is still available."""
    offer = common.load_offer(session, offer_id, actor)
    return views.offer_read(offer, common.commitments_of(session, offer_ids=[offer.id]))


def _filtered(
    session: Session,
    query: Select[tuple[AssistanceOffer]],
    *,
    state: str | None,
    request_id: int | None,
    item: str | None,
    status: str | None,
    available_only: bool,
) -> Select[tuple[AssistanceOffer]]:
    """The offers query narrowed by the filters given (Secretariat offers have no state)."""
    if state:
        if state.strip().upper() == SECRETARIAT:
            query = query.where(AssistanceOffer.state.is_(None))
        else:
            code = members.require_state(session, state, field="state")
            query = query.where(AssistanceOffer.state == code)
    if request_id is not None:
        query = query.where(AssistanceOffer.request_id == request_id)
    if item:
        query = query.where(AssistanceOffer.lines.any(OfferLine.item == item))
    if status:
        query = query.where(AssistanceOffer.status == status)
    if available_only:
        query = query.where(AssistanceOffer.status == OfferStatus.OPEN)
    return query


def list_offers(
    session: Session,
    *,
    actor: Principal,
    state: str | None = None,
    request_id: int | None = None,
    item: str | None = None,
    status: str | None = None,
    available_only: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OfferRead]:
    """List the offers the caller may see, oldest first, with what remains available."""
    authorize(actor, Action.READ_PARTNERS)
    query = (
        select(AssistanceOffer)
        .options(selectinload(AssistanceOffer.lines))
        .where(AssistanceOffer.visibility.in_(common.visible_levels(actor)))
    )
    query = _filtered(
        session,
        query,
        state=state,
        request_id=request_id,
        item=item,
        status=status,
        available_only=available_only,
    )

    def reads(rows: list[AssistanceOffer]) -> list[OfferRead]:
        commitments = common.commitments_of(session, offer_ids=[o.id for o in rows])
        return [views.offer_read(offer, commitments) for offer in rows]

    return paging.page(
        session,
        query,
        paging.Order(AssistanceOffer.id),
        cursor=cursor,
        limit=limit,
        convert=reads,
        # What remains is computed from the commitments: those with nothing left are skipped.
        keep=(lambda read: read.remaining_total != 0) if available_only else None,
    )
