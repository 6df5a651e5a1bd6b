"""Who may record a position on what: the one rule, asked by the pages and applied on writes.

``record_position`` enforces it; ``position_states`` asks it for every deciding state, so the
document page offers the form exactly when recording would be accepted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.consultations.models import Consultation, Decision, Document
from epibridge.consultations.service.common import (
    authorize_state_write,
    clock,
    load,
    load_document,
    open_decision,
    require_member_participant,
    require_not_adopted,
)
from epibridge.errors import Conflict, DomainError, FieldError, InvalidInput
from epibridge.security import Principal


def check_position(
    *,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    decision: Decision | None,
    state: str,
    version: int,
    moment: datetime,
) -> bool:
    """Refuse a position the rules do not admit; return whether it is on the state's behalf."""
    on_behalf = authorize_state_write(actor, state)
    require_member_participant(consultation, state)
    require_not_adopted(document)
    if version != document.current_version:
        raise Conflict(
            f"version {version} of document {document.id} is superseded by version "
            f"{document.current_version}; positions are taken on the version under decision",
            [FieldError("version", "superseded version", version)],
        )
    if decision is None:
        raise Conflict(
            f"no version of document {document.id} is under decision",
            [FieldError("version", "not under decision", version)],
        )
    if moment > decision.deadline:
        raise Conflict(
            f"the decision on version {decision.version_number} closed for positions at its "
            f"deadline {decision.deadline.isoformat()}",
            [FieldError("deadline", "passed", decision.deadline.isoformat())],
        )
    if state not in decision.member_states:
        raise InvalidInput(
            f"{state} was not a participating member state when the decision opened",
            [FieldError("state", "not among the deciding member states", state)],
        )
    return on_behalf


def can_record_position(
    *,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    decision: Decision | None,
    state: str,
    moment: datetime,
) -> bool:
    """Whether ``actor`` may record ``state``'s position on the version under decision now."""
    version = decision.version_number if decision is not None else document.current_version
    try:
        check_position(
            actor=actor,
            consultation=consultation,
            document=document,
            decision=decision,
            state=state,
            version=version,
            moment=moment,
        )
    except DomainError:
        return False
    return True


def position_states(
    session: Session, *, actor: Principal, document_id: int, now: datetime | None = None
) -> list[str]:
    """List the states whose position the caller may record now on the version under decision."""
    moment = clock(now)
    document = load_document(session, document_id)
    decision = open_decision(session, document.id)
    if decision is None:
        return []
    consultation = load(session, document.consultation_id)
    return [
        state
        for state in decision.member_states
        if can_record_position(
            actor=actor,
            consultation=consultation,
            document=document,
            decision=decision,
            state=state,
            moment=moment,
        )
    ]
