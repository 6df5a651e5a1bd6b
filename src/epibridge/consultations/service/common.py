"""What every consultation rule shares: the permission check, loading rows, the clock.

``authorize`` here only translates ``security.authorize``'s refusal into a ``Forbidden`` that
names the field, so the API, the CLI and tests report it the same way; the decision itself is
always ``security.authorize``'s.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.consultations.models import Consultation, Decision, Document, Participant
from epibridge.consultations.statuses import (
    ConsultationStatus,
    DecisionStatus,
    DocumentStatus,
    ParticipantRole,
)
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from epibridge.i18n import N_, Phrase
from epibridge.members import service as members
from epibridge.security import (
    Action,
    PermissionDenied,
    Principal,
    Role,
    Visibility,
    can_see,
    require_principal,
)
from epibridge.security import Decision as Permission
from epibridge.security import authorize as security_authorize

ENTITY = "consultation"
DOCUMENT_ENTITY = "consultation_document"


def clock(now: datetime | None) -> datetime:
    """The moment a rule is applied at: ``now`` when given (tests, the scheduler), else the time."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise InvalidInput("a time must carry its timezone", [FieldError("now", "naive", str(now))])
    return now


def authorize(
    principal: Principal,
    action: Action,
    state: str | None = None,
    *,
    field: str = "state",
    why: str | Phrase = "",
) -> Permission:
    """``security.authorize``, refusing with ``Forbidden`` that says ``why`` (a message id)."""
    try:
        return security_authorize(principal, action, state)
    except PermissionDenied as exc:
        reason = exc.args[0] if exc.args else str(exc)  # security's reason, a Text
        if not why:
            raise Forbidden(reason, [FieldError(field, reason, state)]) from None
        raise Forbidden(
            N_("{why}: {reason}"),
            [FieldError(field, reason, state)],
            params={"why": why if isinstance(why, Phrase) else Phrase(why), "reason": reason},
        ) from None


def authorize_state_write(principal: Principal, state: str, *, field: str = "state") -> bool:
    """Check that ``principal`` may speak for ``state``; return whether it is on its behalf."""
    authorize(principal, Action.CONTRIBUTE, state, field=field)
    return authorize(principal, Action.WRITE_STATE, state, field=field).on_behalf


def load(session: Session, consultation_id: int, *, lock: bool = False) -> Consultation:
    query = select(Consultation).where(Consultation.id == consultation_id)
    if lock:
        query = query.with_for_update()
    consultation = session.execute(query).scalar_one_or_none()
    if consultation is None:
        raise NotFound(
            N_("no consultation {id}"),
            [FieldError("consultation_id", "unknown consultation", consultation_id)],
            params={"id": consultation_id},
        )
    return consultation


def load_document(session: Session, document_id: int, *, lock: bool = False) -> Document:
    query = select(Document).where(Document.id == document_id)
    if lock:
        query = query.with_for_update()
    document = session.execute(query).scalar_one_or_none()
    if document is None:
        raise NotFound(
            N_("no consultation document {id}"),
            [FieldError("document_id", "unknown document", document_id)],
            params={"id": document_id},
        )
    return document


def may_see(principal: Principal, consultation: Consultation) -> bool:
    """Members and the Secretariat see every consultation; observers those they are invited to."""
    if can_see(principal, Visibility.MEMBERS):
        return True
    return can_see(principal, Visibility.PARTNERS) and any(
        p.state_iso3 == principal.state for p in consultation.participants
    )


def require_visible(principal: Principal, consultation: Consultation) -> None:
    if not may_see(principal, consultation):
        raise Forbidden(
            N_("consultation {id} is not shared with {name}"),
            [FieldError("consultation_id", "not visible to this account", consultation.id)],
            params={"id": consultation.id, "name": principal.name},
        )


def require_local(principal: Principal, consultation: Consultation) -> None:
    """A replica of another node's consultation is run there: its convener's acts, minutes
    and amendments are refused here, naming that node (positions and signatures are not)."""
    from epibridge.consultations.service.replicas import refuse_replica

    refuse_replica(consultation, principal, "consultation")


def authorize_convenor(principal: Principal, consultation: Consultation) -> bool:
    """Check that ``principal`` runs this consultation; return whether it is on the chair's behalf.

    A consultation convened by the chair is run by the chairing state's focal point (the
    Secretariat may act on its behalf); one convened by the Secretariat by the Secretariat.
    """
    require_local(principal, consultation)
    why = Phrase(N_("only the convenor of consultation {id} may do this"), {"id": consultation.id})
    if consultation.convening_state:
        return authorize(
            principal, Action.WRITE_STATE, consultation.convening_state, field="convenor", why=why
        ).on_behalf
    authorize(principal, Action.COORDINATE, field="convenor", why=why)
    return False


#: What a closed consultation refuses, one sentence per act (each names the act refused).
CLOSED_REFUSALS = {
    "agenda": N_("consultation {id} was closed on {day}: its agenda is final"),
    "record": N_("consultation {id} was closed on {day}: nothing more is added to its record"),
    "draft": N_("consultation {id} was closed on {day}: no new draft is started in it"),
    "version": N_("consultation {id} was closed on {day}: its documents take no new version"),
    "amendment": N_("consultation {id} was closed on {day}: no amendment is proposed any more"),
    "decision": N_("consultation {id} was closed on {day}: nothing more is put to decision"),
    "position": N_("consultation {id} was closed on {day}: no position is recorded any more"),
    "signature": N_("consultation {id} was closed on {day}: its documents are not signed any more"),
    "close": N_("consultation {id} was closed on {day} already"),
}


def require_open(consultation: Consultation, *, act: str) -> None:
    """Refuse ``act`` (a key of ``CLOSED_REFUSALS``) unless the consultation is open.

    A closed consultation says what it refuses and since when; a request not yet answered
    or declined says its status."""
    if consultation.status == ConsultationStatus.CLOSED:
        closed = consultation.closed_at
        raise Conflict(
            CLOSED_REFUSALS[act],
            [FieldError("consultation_id", N_("consultation is closed"), consultation.id)],
            params={"id": consultation.id, "day": closed.date().isoformat() if closed else ""},
        )
    if consultation.status != ConsultationStatus.OPEN:
        raise Conflict(
            N_("consultation {id} is {status}, not open"),
            [
                FieldError(
                    "consultation_id",
                    N_("consultation is {status}"),
                    params={"status": consultation.status},
                )
            ],
            params={"id": consultation.id, "status": consultation.status},
        )


def participant(consultation: Consultation, state: str) -> Participant | None:
    return next((p for p in consultation.participants if p.state_iso3 == state), None)


def require_member_participant(
    consultation: Consultation, state: str, *, field: str = "state"
) -> None:
    """Refuse a state that is not a participating member state (observers have no say)."""
    found = participant(consultation, state)
    if found is None:
        raise InvalidInput(
            N_("{state} is not a participant of consultation {id}"),
            [FieldError(field, "not a participating member state", state)],
            params={"state": state, "id": consultation.id},
        )
    if found.role != ParticipantRole.MEMBER:
        raise InvalidInput(
            N_("{state} is an invited observer of consultation {id}, without a say"),
            [FieldError(field, "an observer takes no position", state)],
            params={"state": state, "id": consultation.id},
        )


def require_not_adopted(document: Document) -> None:
    if document.status == DocumentStatus.ADOPTED:
        adopted = document.adopted_at
        raise Conflict(
            N_("document {id} ({number}) was adopted on {day} and is frozen"),
            [FieldError("document_id", "adopted documents cannot be changed", document.id)],
            params={
                "id": document.id,
                "number": document.number,
                "day": adopted.date().isoformat() if adopted else "",
            },
        )


def require_current_version(
    document: Document, version: int, *, advice: str = "", field: str = "version"
) -> None:
    """Refuse a step taken on a superseded version: what is said of an older text must not be
    counted for the newer one. ``advice`` says what to do instead (a message id)."""
    if version != document.current_version:
        raise Conflict(
            N_("version {version} of document {id} is superseded by version {current}; {advice}")
            if advice
            else N_("version {version} of document {id} is superseded by version {current}"),
            [FieldError(field, "not the current version", version)],
            params={
                "version": version,
                "id": document.id,
                "current": document.current_version,
                "advice": Phrase(advice),
            },
        )


def require_member_say(
    session: Session,
    *,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    state: str,
    version: int,
    advice: str,
    act: str,
) -> tuple[str, bool]:
    """The rule a member state's say on a draft obeys, positions and amendments alike.

    Whoever speaks for the state may; the state takes part as a member (observers have no
    say); the document is not adopted; the consultation is open (``act`` says what a
    closed one refuses); the version is the current one. Returns the state's code and
    whether the actor speaks on its behalf.
    """
    code = members.require_state(session, state)
    on_behalf = authorize_state_write(actor, code)
    require_member_participant(consultation, code)
    require_not_adopted(document)
    require_open(consultation, act=act)
    require_current_version(document, version, advice=advice)
    return code, on_behalf


def open_decision(session: Session, document_id: int) -> Decision | None:
    return session.execute(
        select(Decision).where(
            Decision.document_id == document_id, Decision.status == DecisionStatus.OPEN
        )
    ).scalar_one_or_none()


def latest_decision(session: Session, document_id: int) -> Decision | None:
    return session.execute(
        select(Decision)
        .where(Decision.document_id == document_id)
        .order_by(Decision.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def participant_states(consultation: Consultation) -> list[str]:
    return [p.state_iso3 for p in consultation.participants]


def chair_state(session: Session, day: date) -> str:
    chair = members.chair_on(session, on=day)
    if chair is None:
        raise Conflict(
            N_("no chairmanship is recorded for {day}"),
            [FieldError("convenor", "no chairing state on this day", str(day))],
            params={"day": day},
        )
    return chair.state_iso3


def is_secretariat(principal: Principal) -> bool:
    return require_principal(principal).role is Role.SECRETARIAT
