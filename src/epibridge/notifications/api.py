"""Routes of event notifications under /api/v1/notifications."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.errors import FieldError, InvalidInput, reason_of
from epibridge.inputs import Id
from epibridge.notifications import annex2, service
from epibridge.notifications.schemas import (
    AcknowledgementRead,
    Annex2Answers,
    Annex2Read,
    AssessmentCreate,
    AssessmentRead,
    CommentCreate,
    CommentRead,
    Created,
    NotificationClose,
    NotificationCreate,
    NotificationDiscard,
    NotificationRead,
    NotificationSummary,
    NotificationUpdate,
    ReminderRead,
    TimelineEntry,
    VerificationAnswer,
    VerificationCreate,
    VerificationRead,
)
from epibridge.notifications.service import common
from epibridge.notifications.statuses import EventStatus, WhoDetermination

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])

CAP_MEDIA_TYPE = "application/xml"


def _created(
    event_id: Id, event_status: EventStatus, version: int, created: bool = True
) -> Created:
    return Created(
        id=event_id,
        status=event_status,
        version=version,
        created=created,
        links=common.links(event_id),
    )


@router.get("", response_model=Page[NotificationSummary])
def list_notifications(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    cursor: Cursor = None,
    state: Annotated[str | None, Query(description="ISO3 of the notifying state")] = None,
    disease: Annotated[str | None, Query(description="ICD-10 code (its subcodes too)")] = None,
    event_status: Annotated[EventStatus | None, Query(alias="status")] = None,
    onset_from: date | None = None,
    onset_to: date | None = None,
    notified_from: date | None = None,
    notified_to: date | None = None,
    q: Annotated[str | None, Query(description="words in the title or description")] = None,
    exercise: Annotated[bool | None, Query(description="only drills (true) or real")] = None,
    overdue: Annotated[bool | None, Query(description="notification deadline missed")] = None,
    who_determination: Annotated[
        WhoDetermination | None,
        Query(description="WHO's determination: none, pheic or pandemic_emergency"),
    ] = None,
) -> Page[NotificationSummary]:
    """List the events you may see, newest first, with filters."""
    page = service.list_events(
        session,
        actor=principal,
        limit=limit,
        cursor=cursor,
        state=state,
        disease=disease,
        status=event_status,
        onset_from=onset_from,
        onset_to=onset_to,
        notified_from=notified_from,
        notified_to=notified_to,
        q=q,
        exercise=exercise,
        overdue=overdue,
        who_determination=who_determination,
    )
    return page.map(service.to_summary)


@router.post("", response_model=Created, status_code=status.HTTP_201_CREATED)
def create_notification(
    session: WriteSession, principal: CurrentPrincipal, data: NotificationCreate, response: Response
) -> Created:
    """Create an event; it is notified at once unless "status" is "draft"."""
    event = service.create(session, actor=principal, data=data)
    response.headers["Location"] = common.links(event.id)["self"]
    return _created(event.id, event.status, event.version)


@router.get("/annex2", response_model=Annex2Read)
def decide_annex2(
    disease: str,
    serious_impact: bool | None = None,
    unusual: bool | None = None,
    international_spread: bool | None = None,
    travel_trade_restrictions: bool | None = None,
) -> Annex2Read:
    """Apply the IHR Annex 2 decision instrument to answers (nothing is stored)."""
    try:
        result = annex2.decide(
            disease,
            serious_impact=serious_impact,
            unusual=unusual,
            international_spread=international_spread,
            travel_trade_restrictions=travel_trade_restrictions,
        )
    except ValueError as exc:
        raise InvalidInput(
            reason_of(exc), [FieldError("disease", reason_of(exc), disease)]
        ) from None
    return Annex2Read(
        answers={
            "serious_impact": serious_impact,
            "unusual": unusual,
            "international_spread": international_spread,
            "travel_trade_restrictions": travel_trade_restrictions,
        },
        outcome=result.outcome,
        rule=result.rule,
        reason=result.reason,
        always_notifiable=result.always_notifiable,
        always_assess=result.always_assess,
    )


async def _xml_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/cap",
    response_model=Created,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CAP_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
    responses={200: {"model": Created, "description": "already imported (same identifier)"}},
)
def import_cap(
    session: WriteSession,
    principal: CurrentPrincipal,
    xml: Annotated[bytes, Depends(_xml_body)],
) -> Created | JSONResponse:
    """Import a CAP 1.2 alert from a national system (a system account of the sender's state)."""
    event, changed = service.import_alert(session, actor=principal, xml=xml)
    created = _created(event.id, event.status, event.version, created=changed)
    if not changed:
        return JSONResponse(created.model_dump(mode="json"), status_code=200)
    return created


@router.get("/{event_id}", response_model=NotificationRead)
def get_notification(
    session: ReadSession, principal: CurrentPrincipal, event_id: Id
) -> NotificationRead:
    """Show one event with its assessments, acknowledgements and verifications."""
    return service.get(session, actor=principal, event_id=event_id)


@router.get("/{event_id}/timeline", response_model=list[TimelineEntry])
def get_timeline(
    session: ReadSession, principal: CurrentPrincipal, event_id: Id
) -> list[TimelineEntry]:
    """List everything that happened to one event, oldest first."""
    return service.timeline(session, actor=principal, event_id=event_id)


@router.get(
    "/{event_id}/cap",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "CAP 1.2 alert"}},
)
def get_cap(session: ReadSession, principal: CurrentPrincipal, event_id: Id) -> Response:
    """Answer the CAP 1.2 XML of the event's latest message."""
    xml = service.export(session, actor=principal, event_id=event_id)
    return Response(content=xml, media_type=CAP_MEDIA_TYPE)


@router.post("/{event_id}/notify", response_model=NotificationRead)
def notify_draft(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id
) -> NotificationRead:
    """Notify a draft to the other states."""
    event = service.notify(session, actor=principal, event_id=event_id)
    return service.to_read(session, event)


@router.post("/{event_id}/discard", response_model=NotificationRead)
def discard_draft(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: NotificationDiscard
) -> NotificationRead:
    """Discard a draft with the reason it is not notified (it is kept, never sent)."""
    event = service.discard(session, actor=principal, event_id=event_id, data=data)
    return service.to_read(session, event)


@router.post("/{event_id}/updates", response_model=NotificationRead)
def update_notification(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: NotificationUpdate
) -> NotificationRead:
    """Record a follow-up with the counts as of now (a reason when a count decreases)."""
    event = service.update(session, actor=principal, event_id=event_id, data=data)
    return service.to_read(session, event)


@router.post("/{event_id}/close", response_model=NotificationRead)
def close_notification(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: NotificationClose
) -> NotificationRead:
    """Close an event with its reason."""
    event = service.close(session, actor=principal, event_id=event_id, data=data)
    return service.to_read(session, event)


@router.post("/{event_id}/annex2", response_model=NotificationRead)
def assess_annex2(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: Annex2Answers
) -> NotificationRead:
    """Store the IHR Annex 2 answers and outcome with the event."""
    event = service.assess_annex2(session, actor=principal, event_id=event_id, data=data)
    return service.to_read(session, event)


@router.post(
    "/{event_id}/verifications",
    response_model=VerificationRead,
    status_code=status.HTTP_201_CREATED,
)
def request_verification(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: VerificationCreate
) -> VerificationRead:
    """Ask the notifying state to verify the event (answer due in 24 hours)."""
    return service.verification_read(
        service.request_verification(session, actor=principal, event_id=event_id, data=data)
    )


@router.post("/{event_id}/verifications/{verification_id}/answer", response_model=VerificationRead)
def answer_verification(
    session: WriteSession,
    principal: CurrentPrincipal,
    event_id: Id,
    verification_id: Id,
    data: VerificationAnswer,
) -> VerificationRead:
    """Answer a verification request as the notifying state."""
    return service.verification_read(
        service.answer_verification(
            session,
            actor=principal,
            event_id=event_id,
            verification_id=verification_id,
            data=data,
        )
    )


@router.post(
    "/{event_id}/acknowledgements",
    response_model=AcknowledgementRead,
    status_code=status.HTTP_201_CREATED,
)
def acknowledge(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id
) -> AcknowledgementRead:
    """Acknowledge receipt of the event for your member state."""
    ack = service.acknowledge(session, actor=principal, event_id=event_id)
    return AcknowledgementRead(event_id=event_id, state=ack.state, at=ack.at, actor=ack.actor)


@router.post(
    "/{event_id}/assessments", response_model=AssessmentRead, status_code=status.HTTP_201_CREATED
)
def assess(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: AssessmentCreate
) -> AssessmentRead:
    """Record a rapid risk assessment (WHO 5x5 matrix) of the event."""
    return service.assessment_read(
        service.assess(session, actor=principal, event_id=event_id, data=data)
    )


@router.post(
    "/{event_id}/comments", response_model=CommentRead, status_code=status.HTTP_201_CREATED
)
def comment(
    session: WriteSession, principal: CurrentPrincipal, event_id: Id, data: CommentCreate
) -> CommentRead:
    """Comment on the event."""
    row = service.comment(session, actor=principal, event_id=event_id, data=data)
    return CommentRead(id=row.id, at=row.at, actor=row.actor, state=row.state, body=row.body)


@router.post("/{event_id}/remind", response_model=ReminderRead)
def remind(session: WriteSession, principal: CurrentPrincipal, event_id: Id) -> ReminderRead:
    """Remind the member states that have not acknowledged the event."""
    states = service.remind(session, actor=principal, event_id=event_id)
    return ReminderRead(event_id=event_id, reminded=states)
