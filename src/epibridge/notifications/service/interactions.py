"""What other states and the Secretariat do with a notified event: verification requests,
acknowledgements of receipt, rapid risk assessments, comments and reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, Forbidden
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.notifications import risk
from epibridge.notifications.models import (
    Acknowledgement,
    Comment,
    NotificationEvent,
    RiskAssessment,
)
from epibridge.notifications.schemas import (
    AssessmentCreate,
    CommentCreate,
)
from epibridge.notifications.service import common, verification
from epibridge.security import Action, Principal, Role, authorize


def expected_acknowledgers(
    session: Session, event: NotificationEvent, *, on: datetime
) -> list[str]:
    """Every member state on the day, except the notifying one."""
    return [s.iso3 for s in members.members_on(session, on=on.date()) if s.iso3 != event.state]


def acknowledgements(session: Session, *, event_id: int) -> list[Acknowledgement]:
    return list(
        session.execute(
            select(Acknowledgement)
            .where(Acknowledgement.event_id == event_id)
            .order_by(Acknowledgement.at, Acknowledgement.id)
        ).scalars()
    )


def pending_states(
    session: Session, event: NotificationEvent, *, now: datetime | None = None
) -> list[str]:
    done = {a.state for a in acknowledgements(session, event_id=event.id)}
    return [s for s in expected_acknowledgers(session, event, on=now or utcnow()) if s not in done]


def acknowledge(
    session: Session, *, actor: Principal, event_id: int, now: datetime | None = None
) -> Acknowledgement:
    """Acknowledge receipt of an event for the caller's member state."""
    now = now or utcnow()
    event = common.load_event(session, event_id, actor)
    authorize(actor, Action.CONTRIBUTE)
    if not actor.state:
        raise Forbidden(
            "receipt is acknowledged by a member state's focal point",
            [FieldError("state", "your account is not bound to a state")],
        )
    verification.require_notified(event, N_("an acknowledgement"))
    if actor.state == event.state:
        raise Conflict(
            "the notifying state does not acknowledge its own event",
            [FieldError("state", "notifying state", actor.state)],
        )
    if actor.state not in expected_acknowledgers(session, event, on=now):
        raise Forbidden(
            N_("{state} is not a member state today"),
            [FieldError("state", "not a member state", actor.state)],
            params={"state": actor.state},
        )
    existing = session.execute(
        select(Acknowledgement).where(
            Acknowledgement.event_id == event.id, Acknowledgement.state == actor.state
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            N_("{state} acknowledged notification {event_id} at {at}"),
            [FieldError("state", "already acknowledged", actor.state)],
            params={"state": actor.state, "event_id": event_id, "at": existing.at},
        )
    ack = Acknowledgement(event_id=event.id, state=actor.state, at=now, actor=actor.actor)
    session.add(ack)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            N_("{state} already acknowledged notification {event_id}"),
            [FieldError("state", "already acknowledged", actor.state)],
            params={"state": actor.state, "event_id": event_id},
        ) from exc
    common.record(
        session, actor=actor.actor, action="acknowledge", event=event, state={"state": ack.state}
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.acknowledged",
        event=event,
        states=[event.state],
        extra={"acknowledged_by": ack.state},
        now=now,
    )
    return ack


def assessments(session: Session, *, event_id: int) -> list[RiskAssessment]:
    return list(
        session.execute(
            select(RiskAssessment)
            .where(RiskAssessment.event_id == event_id)
            .order_by(RiskAssessment.at, RiskAssessment.id)
        ).scalars()
    )


def assess(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: AssessmentCreate,
    now: datetime | None = None,
) -> RiskAssessment:
    """Record a rapid risk assessment (WHO 5x5 matrix) by a member state or the Secretariat."""
    now = now or utcnow()
    event = common.load_event(session, event_id, actor, lock=True)
    authorize(actor, Action.CONTRIBUTE)
    assessor = risk.SECRETARIAT if actor.role is Role.SECRETARIAT else actor.state
    if not assessor:
        raise Forbidden(
            "risk is assessed by a member state or the Secretariat",
            [FieldError("state", "your account is not bound to a state")],
        )
    verification.require_notified(event, N_("a risk assessment"))
    level = risk.assess(data.likelihood, data.consequence)
    row = RiskAssessment(
        event_id=event.id,
        assessor=assessor,
        likelihood=data.likelihood.value,
        consequence=data.consequence.value,
        level=level.value,
        rationale=data.rationale.strip(),
        at=now,
        actor=actor.actor,
    )
    session.add(row)
    session.flush()
    consolidated = risk.consolidate(
        risk.Assessment(a.assessor, a.likelihood, a.consequence)  # type: ignore[arg-type]
        for a in assessments(session, event_id=event.id)
    )
    event.risk_level = consolidated.value if consolidated else None
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="assess",
        event=event,
        state={
            "assessment_id": row.id,
            "assessor": assessor,
            "likelihood": row.likelihood,
            "consequence": row.consequence,
            "level": row.level,
            "rationale": row.rationale,
            "consolidated": event.risk_level,
        },
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.assessed",
        event=event,
        states=[event.state],
        extra={
            "assessment": {
                "id": row.id,
                "assessor": assessor,
                "level": row.level,
                "consolidated": event.risk_level,
            }
        },
        now=now,
    )
    return row


def comment(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: CommentCreate,
    now: datetime | None = None,
) -> Comment:
    """Comment on an event."""
    now = now or utcnow()
    event = common.load_event(session, event_id, actor)
    authorize(actor, Action.CONTRIBUTE)
    row = Comment(
        event_id=event.id, at=now, actor=actor.actor, state=actor.state, body=data.body.strip()
    )
    session.add(row)
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="comment",
        event=event,
        state={"comment_id": row.id, "body": row.body},
    )
    return row


def comments(session: Session, *, event_id: int) -> list[Comment]:
    return list(
        session.execute(
            select(Comment).where(Comment.event_id == event_id).order_by(Comment.at, Comment.id)
        ).scalars()
    )


def remind(
    session: Session, *, actor: Principal, event_id: int, now: datetime | None = None
) -> list[str]:
    """Remind the member states that have not acknowledged an event; return them."""
    now = now or utcnow()
    event = common.load_event(session, event_id, actor)
    if actor.role is Role.SECRETARIAT:
        authorize(actor, Action.COORDINATE)
    else:
        authorize(actor, Action.WRITE_STATE, event.state)
    verification.require_notified(event, N_("a reminder"))
    pending = pending_states(session, event, now=now)
    if not pending:
        raise Conflict(
            N_("every member state has acknowledged notification {event_id}"),
            [FieldError("id", "nothing to remind", event_id)],
            params={"event_id": event_id},
        )
    common.record(
        session, actor=actor.actor, action="remind", event=event, state={"states": pending}
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.reminder",
        event=event,
        states=pending,
        extra={"pending": pending},
        now=now,
    )
    return pending
