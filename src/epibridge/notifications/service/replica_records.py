"""What other states' nodes record about an event, stored from their verified messages.

An acknowledgement, a risk assessment or a verification request belongs to the state (or the
Secretariat) that made it, whichever node holds the event: CHN acknowledging a replica of
KAZ's event on CHN's node makes a CHN record there, which travels to KAZ and is attached here
to KAZ's original event. The answer to a verification request belongs to the notifying state,
so it comes only from the event's origin node. Each is applied as the ``node_principal`` of
the node that sent it, idempotently by ``(origin_node, origin_id)``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.notifications import risk
from epibridge.notifications.models import (
    Acknowledgement,
    NotificationEvent,
    RiskAssessment,
    VerificationRequest,
)
from epibridge.notifications.schemas_replica import (
    AcknowledgementBody,
    AssessmentBody,
    VerificationAnswerBody,
    VerificationRequestBody,
)
from epibridge.notifications.service import common, interactions
from epibridge.notifications.service.replicas import by_origin, event_of, parse_body, require_own
from epibridge.security import Action, Principal, authorize, require_principal


def _speaks_for(actor: Principal, state: str | None) -> None:
    """A state's node writes its state's records; only the hub writes the Secretariat's."""
    if state is None or state == risk.SECRETARIAT:
        authorize(actor, Action.COORDINATE)
    else:
        authorize(actor, Action.WRITE_STATE, state)


def apply_acknowledgement(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[Acknowledgement, bool]:
    """Store a state's acknowledgement of an event held here; whether anything was stored."""
    require_principal(actor)
    data = parse_body(AcknowledgementBody, body)
    require_own(data.acknowledgement, origin_node, "body.acknowledgement.node")
    _speaks_for(actor, data.state)
    known = by_origin(session, Acknowledgement, data.acknowledgement, here)
    if known is not None:
        return known, False
    event = event_of(session, data.event, here)
    if data.state == event.state:
        raise InvalidInput(
            "the notifying state does not acknowledge its own event",
            [FieldError("body.state", "notifying state", data.state)],
        )
    same = session.execute(
        select(Acknowledgement).where(
            Acknowledgement.event_id == event.id, Acknowledgement.state == data.state
        )
    ).scalar_one_or_none()
    if same is not None:  # the state also acknowledged here directly: one receipt is enough
        return same, False
    ack = Acknowledgement(
        event_id=event.id,
        state=data.state,
        at=data.at,
        actor=data.actor,
        origin_node=origin_node,
        origin_id=data.acknowledgement.id,
    )
    session.add(ack)
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="replicate_acknowledgement",
        event=event,
        state={"state": ack.state, "origin_node": origin_node, "origin_id": ack.origin_id},
    )
    common.publish(
        session,
        actor=actor.actor,
        topic="notification.acknowledged",
        event=event,
        states=[event.state],
        extra={"acknowledged_by": ack.state},
    )
    return ack, True


def apply_assessment(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[RiskAssessment, bool]:
    """Store a risk assessment made on another node; the event's consolidated level follows."""
    require_principal(actor)
    data = parse_body(AssessmentBody, body)
    require_own(data.assessment, origin_node, "body.assessment.node")
    _speaks_for(actor, data.assessor)
    known = by_origin(session, RiskAssessment, data.assessment, here)
    if known is not None:
        return known, False
    event = event_of(session, data.event, here)
    try:
        level = risk.assess(risk.Likelihood(data.likelihood), risk.Consequence(data.consequence))
    except ValueError:
        raise InvalidInput(
            N_("the likelihood or the consequence is not of the WHO matrix"),
            [FieldError("body.likelihood", "unknown", data.likelihood)],
        ) from None
    row = RiskAssessment(
        event_id=event.id,
        assessor=data.assessor,
        likelihood=data.likelihood,
        consequence=data.consequence,
        level=level.value,
        rationale=data.rationale,
        at=data.at,
        actor=data.actor,
        origin_node=origin_node,
        origin_id=data.assessment.id,
    )
    session.add(row)
    session.flush()
    _consolidate(session, event)
    common.record(
        session,
        actor=actor.actor,
        action="replicate_assessment",
        event=event,
        state={"assessment_id": row.id, "assessor": row.assessor, "level": row.level},
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
                "assessor": row.assessor,
                "level": row.level,
                "consolidated": event.risk_level,
            }
        },
    )
    return row, True


def _consolidate(session: Session, event: NotificationEvent) -> None:
    consolidated = risk.consolidate(
        risk.Assessment(a.assessor, a.likelihood, a.consequence)  # type: ignore[arg-type]
        for a in interactions.assessments(session, event_id=event.id)
    )
    event.risk_level = consolidated.value if consolidated else None
    session.flush()


def apply_verification_request(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[VerificationRequest, bool]:
    """Store a verification request made on another node about an event held here."""
    require_principal(actor)
    data = parse_body(VerificationRequestBody, body)
    require_own(data.verification, origin_node, "body.verification.node")
    _speaks_for(actor, data.requester_state)
    known = by_origin(session, VerificationRequest, data.verification, here)
    if known is not None:
        return known, False
    event = event_of(session, data.event, here)
    request = VerificationRequest(
        event_id=event.id,
        requested_at=data.requested_at,
        requested_by=data.requested_by,
        requester_state=data.requester_state,
        question=data.question,
        due_at=data.due_at,
        origin_node=origin_node,
        origin_id=data.verification.id,
    )
    session.add(request)
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="replicate_verification_request",
        event=event,
        state={"verification_id": request.id, "origin_node": origin_node},
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
                "requested_by": request.requested_by,
            }
        },
    )
    return request, True


def apply_verification_answer(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[VerificationRequest, bool]:
    """Store the notifying state's answer, sent by the node its event comes from."""
    require_principal(actor)
    data = parse_body(VerificationAnswerBody, body)
    request = by_origin(session, VerificationRequest, data.verification, here)
    if request is None:
        raise NotFound(
            N_("no verification request {id} of node {node} is known here"),
            [FieldError("body.verification", "unknown", f"{data.verification.node}")],
            params={"id": data.verification.id, "node": data.verification.node},
        )
    event = session.get(NotificationEvent, request.event_id)
    assert event is not None
    authorize(actor, Action.WRITE_STATE, event.state)
    if event.origin_node != origin_node or event_of(session, data.event, here) is not event:
        raise InvalidInput(
            N_("node {origin} may not speak for a record of node {node}"),
            [FieldError("body.event", N_("a record of another node"), data.event.node)],
            params={"origin": origin_node, "node": event.origin_node or here},
        )
    if request.answered_at is not None:
        return request, False
    request.answered_at = data.answered_at
    request.answered_by = data.answered_by
    request.answer_on_behalf = data.on_behalf
    request.verified = data.verified
    request.answer = data.answer
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="replicate_verification_answer",
        event=event,
        state={"verification_id": request.id, "verified": data.verified},
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
                "verified": request.verified,
                "answer": request.answer,
                "late": data.answered_at > request.due_at,
            }
        },
    )
    return request, True
