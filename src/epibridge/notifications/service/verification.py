"""Verification requests to the notifying state and its answers (IHR Article 10)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, Forbidden, NotFound
from epibridge.i18n import N_, Phrase
from epibridge.notifications.models import (
    NotificationEvent,
    VerificationRequest,
)
from epibridge.notifications.schemas import (
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.notifications.service import common
from epibridge.notifications.statuses import PRIVATE_STATUSES, EventStatus
from epibridge.security import Action, Principal, Role, authorize

VERIFICATION_WINDOW = timedelta(hours=24)
"""IHR Article 10.2: a state answers a WHO verification request within 24 hours."""


def require_notified(event: NotificationEvent, what: str) -> None:
    if event.status in PRIVATE_STATUSES:
        raise Conflict(
            N_("notification {id} is a draft; {what} needs a notified event")
            if event.status == EventStatus.DRAFT
            else N_("notification {id} was discarded; {what} needs a notified event"),
            [FieldError("status", N_("not notified"), event.status)],
            params={"id": event.id, "what": Phrase(what)},
        )


def request_verification(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: VerificationCreate,
    now: datetime | None = None,
) -> VerificationRequest:
    """Ask the notifying state to verify its event (answer due within 24 hours)."""
    now = now or utcnow()
    event = common.load_event(session, event_id, actor, lock=True)
    if actor.role is Role.SECRETARIAT:
        authorize(actor, Action.COORDINATE)
    else:
        authorize(actor, Action.CONTRIBUTE)
        if actor.state == event.state:
            raise Forbidden(
                "a state does not ask itself to verify its own event",
                [FieldError("id", "your own state's event", event_id)],
            )
    require_notified(event, N_("a verification request"))
    request = VerificationRequest(
        event_id=event.id,
        requested_at=now,
        requested_by=actor.actor,
        requester_state=None if actor.role is Role.SECRETARIAT else actor.state,
        question=data.question.strip(),
        due_at=now + VERIFICATION_WINDOW,
    )
    session.add(request)
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="request_verification",
        event=event,
        state={
            "verification_id": request.id,
            "question": request.question,
            "due_at": request.due_at,
        },
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.verification_requested",
        event=event,
        states=[event.state],
        extra={
            "verification": {
                "id": request.id,
                "question": request.question,
                "due_at": request.due_at,
                "requested_by": actor.actor,
            }
        },
        now=now,
    )
    return request


def answer_verification(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    verification_id: int,
    data: VerificationAnswer,
    now: datetime | None = None,
) -> VerificationRequest:
    """Answer a verification request as the notifying state."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(session, event_id, actor)
    request = session.get(VerificationRequest, verification_id)
    if request is None or request.event_id != event.id:
        raise NotFound(
            N_("no verification request {verification_id} on notification {event_id}"),
            [FieldError("verification_id", "unknown", verification_id)],
            params={"verification_id": verification_id, "event_id": event_id},
        )
    if request.answered_at is not None:
        raise Conflict(
            N_("verification request {verification_id} was answered at {answered_at}"),
            [FieldError("verification_id", "already answered", verification_id)],
            params={"verification_id": verification_id, "answered_at": request.answered_at},
        )
    request.answered_at = now
    request.answered_by = actor.actor
    request.answer_on_behalf = on_behalf
    request.verified = data.verified
    request.answer = data.answer.strip()
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="answer_verification",
        event=event,
        state={
            "verification_id": request.id,
            "verified": data.verified,
            "answer": request.answer,
            "on_behalf": on_behalf,
            "late": now > request.due_at,
        },
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.verification_answered",
        event=event,
        states=[request.requester_state] if request.requester_state else [],
        extra={
            "verification": {
                "id": request.id,
                "verified": data.verified,
                "answer": request.answer,
                "late": now > request.due_at,
            }
        },
        now=now,
    )
    return request


def verifications(session: Session, *, event_id: int) -> list[VerificationRequest]:
    return list(
        session.execute(
            select(VerificationRequest)
            .where(VerificationRequest.event_id == event_id)
            .order_by(VerificationRequest.requested_at, VerificationRequest.id)
        ).scalars()
    )
