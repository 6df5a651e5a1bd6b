"""Requests for assistance (EDXL-RM RequestResource): create, change, cancel, read, list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from epibridge import paging
from epibridge.assistance import views
from epibridge.assistance.models import AssistanceRequest, RequestLine
from epibridge.assistance.schemas import RequestCreate, RequestRead, RequestUpdate
from epibridge.assistance.service import common, listings, replicas
from epibridge.assistance.statuses import RequestStatus
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize

#: Filters answered from the open requests (a fulfilled one is open with nothing remaining).
_OPEN_ONES = (RequestStatus.OPEN, RequestStatus.FULFILLED)


def _state_of(read: RequestRead) -> dict[str, object]:
    return read.model_dump(mode="json")


def create_request(
    session: Session, *, actor: Principal, data: RequestCreate, today: date | None = None
) -> AssistanceRequest:
    """Record a state's request for assistance and tell every member."""
    day = today or utcnow().date()
    state = members.require_state(session, data.state, field="state")
    on_behalf = common.authorize_state(actor, state)
    errors: list[FieldError] = []
    common.check_lines(data.lines, errors)
    if data.needed_by < day:
        errors.append(FieldError("needed_by", "is in the past", data.needed_by.isoformat()))
    if (data.delivery_latitude is None) != (data.delivery_longitude is None):
        errors.append(FieldError("delivery_longitude", "give both coordinates or neither"))
    if data.event_id is not None:
        common.check_event(session, actor, data.event_id, errors)
    if errors:
        raise InvalidInput("the request is not valid", errors)
    request = AssistanceRequest(
        state=state,
        urgency=data.urgency,
        delivery_point=data.delivery_point,
        delivery_latitude=data.delivery_latitude,
        delivery_longitude=data.delivery_longitude,
        needed_by=data.needed_by,
        event_id=data.event_id,
        **listings.opening(
            actor,
            status=RequestStatus.OPEN,
            visibility=data.visibility,
            note=data.note,
            on_behalf=on_behalf,
        ),
        lines=listings.new_lines(RequestLine, data.lines),
    )
    session.add(request)
    session.flush()
    common.record(
        session,
        actor=actor,
        action="request",
        entity="assistance_request",
        entity_id=request.id,
        state=_state_of(views.request_read(request, [], day)),
        topic="assistance.requested",
        states=[state],
        visibility=request.visibility,
    )
    return request


def update_request(
    session: Session,
    *,
    actor: Principal,
    request_id: int,
    data: RequestUpdate,
    today: date | None = None,
) -> AssistanceRequest:
    """Change the urgency, delivery point, date or note of a state's own open request."""
    day = today or utcnow().date()
    request = common.load_request(session, request_id, actor, lock=True)
    replicas.refuse_replica(request, actor, "request")
    common.authorize_state(actor, request.state)
    if request.status != RequestStatus.OPEN:
        raise Conflict(
            N_("request {id} is {status}; it cannot change"),
            params={"id": request.id, "status": request.status},
        )
    changes = data.model_dump(exclude_unset=True)
    for key in ("urgency", "delivery_point", "needed_by"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                N_("{key} cannot be emptied"), [FieldError(key, "required")], params={"key": key}
            )
    if "needed_by" in changes and changes["needed_by"] < day:
        raise InvalidInput(
            "the new date is in the past",
            [FieldError("needed_by", "is in the past", changes["needed_by"].isoformat())],
        )
    for key, value in changes.items():
        setattr(request, key, value)
    request.updated_at = utcnow()
    session.flush()
    read = views.request_read(
        request, common.commitments_of(session, request_ids=[request.id]), day
    )
    common.record(
        session,
        actor=actor,
        action="update",
        entity="assistance_request",
        entity_id=request.id,
        state=_state_of(read),
        topic="assistance.request_updated",
        states=[request.state],
        visibility=request.visibility,
    )
    return request


def check_may_cancel(actor: Principal, request: AssistanceRequest) -> None:
    """Raise unless ``actor`` may cancel ``request`` now: its state's own, and still open."""
    replicas.refuse_replica(request, actor, "request")
    common.authorize_state(actor, request.state)
    listings.require_open(request)


def cancel_request(
    session: Session,
    *,
    actor: Principal,
    request_id: int,
    reason: str | None = None,
    today: date | None = None,
) -> AssistanceRequest:
    """Cancel a state's own request; pledges not yet dispatched are released."""
    day = today or utcnow().date()
    request = common.load_request(session, request_id, actor, lock=True)
    check_may_cancel(actor, request)
    commitments, released = listings.end(
        session, request, status=RequestStatus.CANCELLED, reason=reason, day=day
    )
    state = _state_of(views.request_read(request, commitments, day))
    common.record(
        session,
        actor=actor,
        action="cancel",
        entity="assistance_request",
        entity_id=request.id,
        state={**state, "released_commitments": released},
        topic="assistance.request_cancelled",
        states=[request.state],
        visibility=request.visibility,
    )
    return request


def get_request(
    session: Session, *, actor: Principal, request_id: int, today: date | None = None
) -> RequestRead:
    """Show one request with what has been pledged, delivered and what remains."""
    request = common.load_request(session, request_id, actor)
    return views.request_read(
        request,
        common.commitments_of(session, request_ids=[request.id]),
        today or utcnow().date(),
    )


def list_requests(
    session: Session,
    *,
    actor: Principal,
    state: str | None = None,
    status: str | None = None,
    item: str | None = None,
    event_id: int | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> Page[RequestRead]:
    """List the requests the caller may see, oldest first, with remaining quantities
    (``q``: text in the delivery point, the note or an item's code)."""
    authorize(actor, Action.READ_PARTNERS)
    day = today or utcnow().date()
    query = (
        select(AssistanceRequest)
        .options(selectinload(AssistanceRequest.lines))
        .where(AssistanceRequest.visibility.in_(common.visible_levels(actor)))
    )
    if state:
        query = query.where(
            AssistanceRequest.state == members.require_state(session, state, field="state")
        )
    if status == RequestStatus.CANCELLED:
        query = query.where(AssistanceRequest.status == RequestStatus.CANCELLED)
    elif status in _OPEN_ONES:
        query = query.where(AssistanceRequest.status == RequestStatus.OPEN)
    if item:
        query = query.where(AssistanceRequest.lines.any(RequestLine.item == item))
    if event_id is not None:
        query = query.where(AssistanceRequest.event_id == event_id)
    if q and q.strip():
        text = q.strip().lower()
        query = query.where(
            or_(
                func.lower(AssistanceRequest.delivery_point).contains(text, autoescape=True),
                func.lower(func.coalesce(AssistanceRequest.note, "")).contains(
                    text, autoescape=True
                ),
                AssistanceRequest.lines.any(
                    func.lower(RequestLine.item).contains(text, autoescape=True)
                ),
            )
        )

    def reads(rows: list[AssistanceRequest]) -> list[RequestRead]:
        commitments = common.commitments_of(session, request_ids=[r.id for r in rows])
        return [views.request_read(request, commitments, day) for request in rows]

    return paging.page(
        session,
        query,
        paging.Order(AssistanceRequest.id),
        cursor=cursor,
        limit=limit,
        convert=reads,
        # "fulfilled" is what remains, computed from the commitments: filtered on the reads.
        keep=(lambda read: read.status == status) if status in _OPEN_ONES else None,
    )
