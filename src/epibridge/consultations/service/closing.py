"""Closing a consultation: the convenor ends it, saying how it ended and why.

A closed consultation takes nothing more: no agenda change, record entry, draft, version,
amendment, decision round, position or signature (each refused by ``common.require_open`` with
a sentence naming the act). It is closed only with no decision round open, so no round is left
without an outcome: the convenor closes the decision first (or lets it reach its deadline).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import Consultation, Decision, Document
from epibridge.consultations.schemas import ConsultationClose
from epibridge.consultations.service.common import (
    ENTITY,
    authorize_convenor,
    clock,
    load,
    require_open,
    require_visible,
)
from epibridge.consultations.service.consultations import announce
from epibridge.consultations.service.parts import snapshot
from epibridge.consultations.statuses import (
    ClosingOutcome,
    ConsultationStatus,
    DecisionStatus,
    DocumentStatus,
)
from epibridge.errors import Conflict, DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.security import PermissionDenied, Principal


def check_may_close_consultation(
    session: Session, actor: Principal, consultation: Consultation
) -> bool:
    """Raise unless ``actor`` may close the consultation now: its convenor, while it is open
    and no decision round of its documents is open. Returns whether on the chair's behalf."""
    on_behalf = authorize_convenor(actor, consultation)
    require_open(consultation, act="close")
    under_decision = session.execute(
        select(Document, Decision)
        .join(Decision, Decision.document_id == Document.id)
        .where(Document.consultation_id == consultation.id, Decision.status == DecisionStatus.OPEN)
        .order_by(Decision.deadline, Decision.id)
        .limit(1)
    ).first()
    if under_decision is not None:
        document, decision = under_decision
        raise Conflict(
            N_(
                "document {id} ({title}) is under decision until {deadline}: close that "
                "decision, or let it reach its deadline, before closing the consultation"
            ),
            [FieldError("document_id", N_("a decision is open"), document.id)],
            params={
                "id": document.id,
                "title": document.title,
                "deadline": decision.deadline.isoformat(),
            },
        )
    return on_behalf


def _adopted_documents(session: Session, consultation_id: int) -> list[str]:
    return list(
        session.execute(
            select(Document.number)
            .where(
                Document.consultation_id == consultation_id,
                Document.status == DocumentStatus.ADOPTED,
            )
            .order_by(Document.id)
        ).scalars()
    )


def _check_outcome(session: Session, consultation: Consultation, data: ConsultationClose) -> None:
    if data.outcome == ClosingOutcome.ADOPTED and not _adopted_documents(session, consultation.id):
        raise InvalidInput(
            N_(
                "no document of consultation {id} was adopted: it closes with no consensus or "
                "as withdrawn"
            ),
            [FieldError("outcome", N_("no adopted document"), data.outcome)],
            params={"id": consultation.id},
        )
    if data.outcome != ClosingOutcome.ADOPTED and not (data.reason or "").strip():
        raise InvalidInput(
            N_("a consultation closed without adopted documents needs the reason"),
            [FieldError("reason", N_("is required"))],
        )


def closing_outcomes(
    session: Session, *, actor: Principal, consultation_id: int
) -> list[ClosingOutcome]:
    """The outcomes ``actor`` may close the consultation with now (none: it may not close it).

    ``adopted`` only when one of its documents was adopted; a page offers the form with these.
    """
    consultation = load(session, consultation_id)
    require_visible(actor, consultation)
    try:
        check_may_close_consultation(session, actor, consultation)
    except (DomainError, PermissionDenied):
        return []
    adopted = bool(_adopted_documents(session, consultation.id))
    return [o for o in ClosingOutcome if o != ClosingOutcome.ADOPTED or adopted]


def close_consultation(
    session: Session,
    *,
    actor: Principal,
    consultation_id: int,
    data: ConsultationClose,
    now: datetime | None = None,
) -> Consultation:
    """Close the consultation for good, recording who, when, how it ended and why."""
    moment = clock(now)
    consultation = load(session, consultation_id, lock=True)
    on_behalf = check_may_close_consultation(session, actor, consultation)
    _check_outcome(session, consultation, data)
    reason = (data.reason or "").strip() or None
    consultation.status = ConsultationStatus.CLOSED
    consultation.closed_at = moment
    consultation.closed_by = actor.actor
    consultation.closing_outcome = data.outcome
    consultation.closing_reason = reason
    consultation.updated_at = moment
    session.flush()
    closing = {
        "closed_at": moment,
        "closed_by": actor.actor,
        "outcome": data.outcome,
        "reason": reason,
        "adopted_documents": _adopted_documents(session, consultation.id),
    }
    audit.record(
        session,
        actor=actor.actor,
        action="close",
        entity=ENTITY,
        entity_id=consultation.id,
        state={**snapshot(consultation), **closing, "on_behalf": on_behalf},
    )
    announce(session, consultation, actor=actor.actor, topic="consultation.closed", extra=closing)
    return consultation
