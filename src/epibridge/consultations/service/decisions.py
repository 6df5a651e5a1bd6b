"""Putting a version to decision, members' positions, consensus, adoption and signatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from epibridge import audit, i18n
from epibridge.consultations.models import Consultation, Decision, Document, Position
from epibridge.consultations.schemas import DecisionCreate, PositionCreate
from epibridge.consultations.service.common import (
    DOCUMENT_ENTITY,
    authorize,
    authorize_convenor,
    chair_state,
    clock,
    load,
    load_document,
    open_decision,
    require_current_version,
    require_member_say,
    require_not_adopted,
    require_open,
)
from epibridge.consultations.service.documents import (
    document_snapshot,
    get_version,
    publish_about,
)
from epibridge.consultations.service.outcome import decision_snapshot, outcome, tally
from epibridge.consultations.service.replicas import (
    authored_here,
    refuse_replica,
    require_author_here,
)
from epibridge.consultations.statuses import (
    DecisionStatus,
    DocumentStatus,
    ParticipantRole,
    Procedure,
    Stance,
)
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_, Phrase
from epibridge.members import service as members
from epibridge.security import Action, Principal, system_principal

#: Who closes due decisions on a schedule (``epibridge consult close-due`` from cron).
SCHEDULER_ACTOR = system_principal("scheduler")
#: Document numbers read ORG/BIO/YEAR/NNN, numbered per year of adoption.
NUMBER_SERIES = "BIO"
# Key of the PostgreSQL advisory lock that serializes the numbering of adopted documents.
_NUMBER_LOCK_KEY = 0x45424E4F  # "EBNO"


def check_may_put_to_decision(
    session: Session, actor: Principal, consultation: Consultation, document: Document
) -> bool:
    """Raise unless ``actor`` may put the current version to decision now: the convenor, of
    a document not adopted and not already under decision, in an open consultation."""
    on_behalf = authorize_convenor(actor, consultation)
    require_not_adopted(document)
    require_open(consultation, act="decision")
    if open_decision(session, document.id) is not None:
        raise Conflict(
            N_("a version of document {id} is already under decision"),
            [FieldError("document_id", "a decision is open")],
            params={"id": document.id},
        )
    return on_behalf


def check_may_use_silence(session: Session, actor: Principal, moment: datetime) -> None:
    """Raise unless ``actor`` speaks for the chair: the silence procedure is the chair's choice."""
    chair = chair_state(session, moment.date())
    authorize(
        actor,
        Action.WRITE_STATE,
        chair,
        field="procedure",
        why=Phrase(
            N_("the silence procedure is the chairing state's ({chair}) choice"),
            {"chair": chair},
        ),
    )


def put_to_decision(
    session: Session,
    *,
    actor: Principal,
    document_id: int,
    data: DecisionCreate,
    now: datetime | None = None,
) -> Decision:
    """Put the current version of a draft to decision until a deadline."""
    moment = clock(now)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    on_behalf = check_may_put_to_decision(session, actor, consultation, document)
    if data.procedure == Procedure.SILENCE:
        check_may_use_silence(session, actor, moment)
    require_current_version(document, data.version)
    if data.deadline <= moment:
        raise InvalidInput(
            "the deadline of a decision must be in the future",
            [FieldError("deadline", "not after now", data.deadline.isoformat())],
        )
    organization = members.get_organization(session)
    decision = Decision(
        document_id=document.id,
        version_number=data.version,
        procedure=data.procedure,
        decision_rule=organization.decision_rule,
        participation=organization.participation,
        member_states=sorted(
            p.state_iso3 for p in consultation.participants if p.role == ParticipantRole.MEMBER
        ),
        deadline=data.deadline,
        status=DecisionStatus.OPEN,
        opened_at=moment,
        opened_by=actor.actor,
    )
    session.add(decision)
    document.status = DocumentStatus.UNDER_DECISION
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="put_to_decision",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={**decision_snapshot(decision), "on_behalf": on_behalf},
    )
    publish_about(
        session,
        consultation,
        actor=actor.actor,
        topic="consultation.decision_due",
        entity_id=document.id,
        payload={**document_snapshot(document), "decision": decision_snapshot(decision)},
    )
    return decision


@dataclass(frozen=True)
class PositionRight:
    """Who may record a position now: the state, the open decision, whether on its behalf."""

    state: str
    decision: Decision
    on_behalf: bool


def check_may_record_position(
    session: Session,
    *,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    state: str,
    version: int,
    now: datetime | None = None,
) -> PositionRight:
    """Raise unless ``actor`` may record ``state``'s position on ``version`` now.

    The one place the rule lives: ``record_position`` applies it, and a page offering the form
    asks it (catching the ``DomainError``) rather than guessing from the decision alone.
    """
    moment = clock(now)
    code, on_behalf = require_member_say(
        session,
        actor=actor,
        consultation=consultation,
        document=document,
        state=state,
        version=version,
        advice=N_("positions are taken on the version under decision"),
        act="position",
    )
    require_author_here(session, code)
    decision = open_decision(session, document.id)
    if decision is None:
        raise Conflict(
            N_("no version of document {id} is under decision"),
            [FieldError("version", "not under decision", version)],
            params={"id": document.id},
        )
    if moment > decision.deadline:
        raise Conflict(
            N_(
                "the decision on version {version_number} closed for positions at its deadline "
                "{deadline}"
            ),
            [FieldError("deadline", "passed", decision.deadline.isoformat())],
            params={
                "version_number": decision.version_number,
                "deadline": decision.deadline.isoformat(),
            },
        )
    if code not in decision.member_states:
        raise InvalidInput(
            N_("{code} was not a participating member state when the decision opened"),
            [FieldError("state", "not among the deciding member states", code)],
            params={"code": code},
        )
    return PositionRight(state=code, decision=decision, on_behalf=on_behalf)


def record_position(
    session: Session,
    *,
    actor: Principal,
    document_id: int,
    data: PositionCreate,
    now: datetime | None = None,
) -> Position:
    """Record (or change, until the deadline) a member state's position on the version."""
    moment = clock(now)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    right = check_may_record_position(
        session,
        actor=actor,
        consultation=consultation,
        document=document,
        state=data.state,
        version=data.version,
        now=moment,
    )
    state, decision, on_behalf = right.state, right.decision, right.on_behalf
    reasons = (data.reasons or "").strip() or None
    if data.position == Stance.OBJECT and not reasons:
        raise InvalidInput(
            "an objection must give its reasons", [FieldError("reasons", "required to object")]
        )
    existing = next((p for p in decision.positions if p.state_iso3 == state), None)
    if existing is not None and existing.origin_node is not None:
        if authored_here(session, state):  # the state's own node takes its say back
            existing.origin_node, existing.origin_id = None, None
        else:
            refuse_replica(existing, actor, "position")
    if existing is None:
        existing = Position(state_iso3=state, changes=0)
        decision.positions.append(existing)
    else:
        existing.changes += 1
    existing.position = data.position
    existing.reasons = reasons
    existing.recorded_by = actor.actor
    existing.on_behalf = on_behalf
    existing.recorded_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="record_position",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={
            "decision": decision.id,
            "version": decision.version_number,
            "state": state,
            "position": data.position,
            "reasons": reasons,
            "on_behalf": on_behalf,
        },
    )
    # Members learn of positions when the decision closes; federation sends each one now.
    publish_about(
        session,
        consultation,
        actor=actor.actor,
        topic="consultation.position_recorded",
        entity_id=document.id,
        payload={
            **document_snapshot(document),
            "position_id": existing.id,
            "decision": decision.id,
            "version": decision.version_number,
            "state": state,
            "position": data.position,
            "on_behalf": on_behalf,
        },
    )
    return existing


def _number(session: Session, year: int) -> tuple[int, str]:
    # The caller holds the numbering lock (``_lock_numbering``), so max + 1 is not raced.
    last = session.execute(
        select(func.max(Document.number_seq)).where(Document.number_year == year)
    ).scalar_one()
    seq = (last or 0) + 1
    code = members.get_organization(session).code
    return seq, f"{code}/{NUMBER_SERIES}/{year}/{seq:03d}"


def _close(session: Session, decision: Decision, *, actor: str, moment: datetime) -> None:
    document = load_document(session, decision.document_id, lock=True)
    consultation = load(session, document.consultation_id)
    adopted, said, params = outcome(decision)
    decision.status = DecisionStatus.ADOPTED if adopted else DecisionStatus.REJECTED
    decision.closed_at = moment
    decision.closed_by = actor
    decision.outcome = i18n.message(said, params)
    decision.outcome_message = {"id": said, "params": params}
    if adopted:
        seq, number = _number(session, moment.year)
        document.status = DocumentStatus.ADOPTED
        document.number = number
        document.number_year = moment.year
        document.number_seq = seq
        document.adopted_at = moment
        document.adopted_version = decision.version_number
    else:
        document.status = DocumentStatus.DRAFT
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="adopt" if adopted else "reject",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={**document_snapshot(document), "decision": decision_snapshot(decision)},
    )
    payload = {**document_snapshot(document), "decision": decision_snapshot(decision)}
    if adopted:
        version = get_version(session, document_id=document.id, number=decision.version_number)
        payload["languages"] = sorted(version.texts)
    publish_about(
        session,
        consultation,
        actor=actor,
        topic="consultation.adopted" if adopted else "consultation.rejected",
        entity_id=document.id,
        payload=payload,
    )


def check_may_close(
    session: Session,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    moment: datetime,
) -> Decision:
    """Raise unless ``actor`` may close the open decision at ``moment``: the convenor, before
    the deadline only once no deciding state is silent. Returns the decision."""
    authorize_convenor(actor, consultation)
    require_not_adopted(document)
    decision = open_decision(session, document.id)
    if decision is None:
        raise Conflict(
            N_("no version of document {id} is under decision"),
            [FieldError("document_id", "no open decision", document.id)],
            params={"id": document.id},
        )
    silent = tally(decision)["silent"]
    if moment < decision.deadline and silent:
        raise Conflict(
            N_("the decision is open until {deadline}; still silent: {silent}"),
            [FieldError("deadline", "not reached while states are silent", ", ".join(silent))],
            params={"deadline": decision.deadline.isoformat(), "silent": silent},
        )
    return decision


def close_decision(
    session: Session, *, actor: Principal, document_id: int, now: datetime | None = None
) -> Decision:
    """Close the open decision now: early only once every member state has taken a position."""
    moment = clock(now)
    _lock_numbering(session)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    decision = check_may_close(session, actor, consultation, document, moment)
    _close(session, decision, actor=actor.actor, moment=moment)
    return decision


def close_due_decisions(
    session: Session, *, actor: Principal, now: datetime | None = None
) -> list[Decision]:
    """Close every open decision whose deadline has passed (the scheduler calls this)."""
    moment = clock(now)
    authorize(
        actor, Action.COORDINATE, field="actor", why=N_("the Secretariat closes due decisions")
    )
    _lock_numbering(session)
    due = list(
        session.execute(
            select(Decision)
            .where(
                Decision.status == DecisionStatus.OPEN,
                Decision.deadline <= moment,
                Decision.origin_node.is_(None),  # a replica is closed by its convener's node
            )
            .order_by(Decision.deadline, Decision.id)
        ).scalars()
    )
    for decision in due:
        _close(session, decision, actor=actor.actor, moment=moment)
    return due


def _lock_numbering(session: Session) -> None:
    # Taken before any audit entry so two adopting transactions never wait on each other's locks.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _NUMBER_LOCK_KEY})


def list_decisions(session: Session, *, document_id: int) -> list[Decision]:
    return list(
        session.execute(
            select(Decision).where(Decision.document_id == document_id).order_by(Decision.id)
        ).scalars()
    )
