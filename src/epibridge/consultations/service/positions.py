"""Which states' positions the caller may record now: the recording rule, asked for each state.

``decisions.check_may_record_position`` is the one rule (``record_position`` applies it);
``position_states`` asks it for every deciding state, so the document page offers the form
exactly when recording would be accepted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.consultations.models import Consultation, Document
from epibridge.consultations.service.common import clock, load, load_document, open_decision
from epibridge.consultations.service.decisions import check_may_record_position
from epibridge.errors import DomainError
from epibridge.security import Principal


def can_record_position(
    session: Session,
    *,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    state: str,
    version: int,
    moment: datetime,
) -> bool:
    """Whether ``actor`` may record ``state``'s position on ``version`` now."""
    try:
        check_may_record_position(
            session,
            actor=actor,
            consultation=consultation,
            document=document,
            state=state,
            version=version,
            now=moment,
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
            session,
            actor=actor,
            consultation=consultation,
            document=document,
            state=state,
            version=decision.version_number,
            moment=moment,
        )
    ]
