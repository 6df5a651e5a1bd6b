"""What the caller may do now in a consultation: each answer asks the rule its write applies.

``check_may_draft``, ``check_may_revise``, ``check_may_put_to_decision``,
``check_may_use_silence``, ``check_may_close``, ``check_may_sign``, ``require_member_say`` and
``authorize_chair`` are the rules (the writes call them); here they are asked and their refusal
caught, so a page offers a form exactly when sending it would be accepted (as
``positions.position_states`` does for positions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.consultations.service.common import (
    clock,
    load,
    load_document,
    require_member_say,
    require_visible,
)
from epibridge.consultations.service.consultations import authorize_chair
from epibridge.consultations.service.decisions import (
    check_may_close,
    check_may_put_to_decision,
    check_may_use_silence,
)
from epibridge.consultations.service.documents import check_may_draft, check_may_revise
from epibridge.consultations.service.positions import position_states
from epibridge.consultations.service.signatures import check_may_sign
from epibridge.consultations.statuses import ParticipantRole
from epibridge.errors import DomainError
from epibridge.i18n import N_
from epibridge.security import PermissionDenied, Principal


def _allowed(check: Callable[[], object]) -> bool:
    try:
        check()
    except (DomainError, PermissionDenied):
        return False
    return True


def can_convene(session: Session, *, actor: Principal, now: datetime | None = None) -> bool:
    """Whether ``actor`` may convene a consultation now (the chair's focal point, the
    Secretariat)."""
    day = clock(now).date()
    why = N_(
        "only the chairing state ({chair}) or the Secretariat convenes a consultation; "
        "a member may request one"
    )
    return _allowed(lambda: authorize_chair(session, actor, day, why))


def can_draft(session: Session, *, actor: Principal, consultation_id: int) -> bool:
    """Whether ``actor`` may start a draft document in this consultation now."""
    consultation = load(session, consultation_id)
    return _allowed(lambda: check_may_draft(actor, consultation))


@dataclass(frozen=True)
class DocumentAbilities:
    """What the caller may do on a document's page now."""

    revise: bool
    put_to_decision: bool
    silence: bool
    close_decision: bool
    amendment_states: list[str]
    position_states: list[str]
    signing_states: list[str]


def document_abilities(
    session: Session, *, actor: Principal, document_id: int, now: datetime | None = None
) -> DocumentAbilities:
    moment = clock(now)
    document = load_document(session, document_id)
    consultation = load(session, document.consultation_id)
    require_visible(actor, consultation)
    members = [p.state_iso3 for p in consultation.participants if p.role == ParticipantRole.MEMBER]
    return DocumentAbilities(
        revise=_allowed(lambda: check_may_revise(actor, consultation, document)),
        put_to_decision=_allowed(
            lambda: check_may_put_to_decision(session, actor, consultation, document)
        ),
        silence=_allowed(lambda: check_may_use_silence(session, actor, moment)),
        close_decision=_allowed(
            lambda: check_may_close(session, actor, consultation, document, moment)
        ),
        amendment_states=[
            state
            for state in members
            if _allowed(
                lambda s=state: require_member_say(
                    session,
                    actor=actor,
                    consultation=consultation,
                    document=document,
                    state=s,
                    version=document.current_version,
                    advice="",
                    act="amendment",
                )
            )
        ],
        position_states=position_states(session, actor=actor, document_id=document.id, now=moment),
        signing_states=[
            state
            for state in members
            if _allowed(lambda s=state: check_may_sign(session, actor, consultation, document, s))
        ],
    )
