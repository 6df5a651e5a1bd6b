"""Convening consultations, members' requests, the agenda and the record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import Consultation, Participant, RecordEntry
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationCreate,
    ConsultationRequest,
    DeadlineItem,
    RecordEntryCreate,
    RequestResponse,
)
from epibridge.consultations.service.common import (
    ENTITY,
    authorize,
    authorize_convenor,
    authorize_state_write,
    chair_state,
    clock,
    is_secretariat,
    load,
    participant,
    participant_states,
    require_local,
    require_open,
)
from epibridge.consultations.service.parts import (
    agenda_items,
    deadline_list,
    delegations,
    event_ids,
    snapshot,
)
from epibridge.consultations.statuses import (
    ConsultationStatus,
    ConvenorKind,
    ParticipantRole,
    RecordKind,
)
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_, Phrase
from epibridge.members import service as members
from epibridge.notifications.outbox.service import publish
from epibridge.security import Action, Principal, Visibility


def announce(
    session: Session,
    consultation: Consultation,
    *,
    actor: str,
    topic: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Tell the consultation's delegations (or, for a request, the chair and the requester)."""
    publish(
        session,
        actor=actor,
        topic=topic,
        entity=ENTITY,
        entity_id=consultation.id,
        payload={**snapshot(consultation), **(extra or {})},
        visibility=Visibility.MEMBERS,
        states=participant_states(consultation)
        or [s for s in (consultation.requested_by_state, consultation.convening_state) if s],
    )


def _open(
    session: Session,
    consultation: Consultation,
    *,
    actor: Principal,
    day: date,
    now: datetime,
    participants: list[str] | None,
    observers: list[str],
    agenda: list[AgendaItemIn],
    deadlines: list[DeadlineItem],
) -> None:
    if is_secretariat(actor):
        kind, convening = ConvenorKind.SECRETARIAT, None
    else:
        kind, convening = ConvenorKind.CHAIR, chair_state(session, day)
    always = [s for s in (convening, consultation.requested_by_state) if s]
    chosen, invited = delegations(
        session, day=day, requested=participants, observers=observers, always=always
    )
    consultation.status = ConsultationStatus.OPEN
    consultation.convenor_kind = kind
    consultation.convening_state = convening
    consultation.convened_by = actor.actor
    consultation.convened_at = now
    consultation.convened_on = day
    consultation.deadlines = deadline_list(deadlines)
    consultation.updated_at = now
    consultation.participants = [
        Participant(state_iso3=s, role=ParticipantRole.MEMBER) for s in chosen
    ] + [Participant(state_iso3=s, role=ParticipantRole.OBSERVER) for s in invited]
    consultation.agenda = agenda_items(agenda)


def authorize_chair(session: Session, actor: Principal, day: date, why: str) -> bool:
    """The chairing state (``why``: a message id naming it ``{chair}``) or the Secretariat."""
    if is_secretariat(actor):
        authorize(actor, Action.COORDINATE, field="convenor")
        return False
    chair = chair_state(session, day)
    return authorize(
        actor,
        Action.WRITE_STATE,
        chair,
        field="convenor",
        why=Phrase(why, {"chair": chair}),
    ).on_behalf


def convene(
    session: Session, *, actor: Principal, data: ConsultationCreate, now: datetime | None = None
) -> Consultation:
    """Convene a consultation as the chairing state's focal point or the Secretariat."""
    moment = clock(now)
    day = moment.date()
    authorize_chair(
        session,
        actor,
        day,
        N_(
            "only the chairing state ({chair}) or the Secretariat convenes a consultation; "
            "a member may request one"
        ),
    )
    consultation = Consultation(
        topic=data.topic,
        description=data.description,
        status=ConsultationStatus.OPEN,
        convened_on=day,
        event_ids=event_ids(session, actor, data.event_ids),
        created_at=moment,
        updated_at=moment,
    )
    _open(
        session,
        consultation,
        actor=actor,
        day=day,
        now=moment,
        participants=data.participants,
        observers=data.observers,
        agenda=data.agenda,
        deadlines=data.deadlines,
    )
    session.add(consultation)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="convene",
        entity=ENTITY,
        entity_id=consultation.id,
        state=snapshot(consultation),
    )
    announce(session, consultation, actor=actor.actor, topic="consultation.convened")
    return consultation


def request(
    session: Session, *, actor: Principal, data: ConsultationRequest, now: datetime | None = None
) -> Consultation:
    """Ask the chair, for a member state, to convene a consultation."""
    moment = clock(now)
    day = moment.date()
    state = members.require_state(session, data.state)
    on_behalf = authorize_state_write(actor, state)
    if state not in {s.iso3 for s in members.members_on(session, on=day)}:
        raise InvalidInput(
            N_("{state} is not a member state on {day}"),
            [FieldError("state", "only a member state requests a consultation", data.state)],
            params={"state": state, "day": day},
        )
    chair = chair_state(session, day)
    consultation = Consultation(
        topic=data.topic,
        description=data.description,
        status=ConsultationStatus.REQUESTED,
        convened_on=day,
        requested_by_state=state,
        requested_by=actor.actor,
        request_reason=data.reason,
        convening_state=chair,
        event_ids=event_ids(session, actor, data.event_ids),
        created_at=moment,
        updated_at=moment,
    )
    session.add(consultation)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="request",
        entity=ENTITY,
        entity_id=consultation.id,
        state={**snapshot(consultation), "reason": data.reason, "on_behalf": on_behalf},
    )
    announce(session, consultation, actor=actor.actor, topic="consultation.request_received")
    return consultation


def respond(
    session: Session,
    *,
    actor: Principal,
    consultation_id: int,
    data: RequestResponse,
    now: datetime | None = None,
) -> Consultation:
    """Accept (convening it) or decline, with reasons, a member's request for a consultation."""
    moment = clock(now)
    day = moment.date()
    consultation = load(session, consultation_id, lock=True)
    on_behalf = authorize_chair(
        session,
        actor,
        day,
        N_(
            "only the chairing state ({chair}) or the Secretariat answers a request for a "
            "consultation"
        ),
    )
    if consultation.status != ConsultationStatus.REQUESTED:
        raise Conflict(
            N_("consultation {id} is {status}; only a request is answered"),
            [FieldError("consultation_id", "not a pending request", consultation.id)],
            params={"id": consultation.id, "status": consultation.status},
        )
    if not data.accept and not data.reason:
        raise InvalidInput(
            "a declined request needs the reason", [FieldError("reason", "required to decline")]
        )
    consultation.responded_by = actor.actor
    consultation.response_reason = data.reason
    if data.accept:
        _open(
            session,
            consultation,
            actor=actor,
            day=day,
            now=moment,
            participants=data.participants,
            observers=data.observers,
            agenda=data.agenda,
            deadlines=data.deadlines,
        )
    else:
        consultation.status = ConsultationStatus.DECLINED
        consultation.convening_state = None
        consultation.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="accept_request" if data.accept else "decline_request",
        entity=ENTITY,
        entity_id=consultation.id,
        state={**snapshot(consultation), "reason": data.reason, "on_behalf": on_behalf},
    )
    announce(
        session,
        consultation,
        actor=actor.actor,
        topic="consultation.convened" if data.accept else "consultation.request_declined",
    )
    return consultation


def set_agenda(
    session: Session,
    *,
    actor: Principal,
    consultation_id: int,
    items: list[AgendaItemIn],
    now: datetime | None = None,
) -> Consultation:
    """Replace the consultation's agenda with these items, in this order."""
    moment = clock(now)
    consultation = load(session, consultation_id, lock=True)
    on_behalf = authorize_convenor(actor, consultation)
    require_open(consultation, act="agenda")
    consultation.agenda.clear()
    session.flush()
    consultation.agenda.extend(agenda_items(items))
    consultation.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="set_agenda",
        entity=ENTITY,
        entity_id=consultation.id,
        state={"agenda": [i.model_dump() for i in items], "on_behalf": on_behalf},
    )
    return consultation


def add_record_entry(
    session: Session,
    *,
    actor: Principal,
    consultation_id: int,
    data: RecordEntryCreate,
    now: datetime | None = None,
) -> RecordEntry:
    """Add minutes (the convenor) or a note (a participating delegation) to the record."""
    moment = clock(now)
    consultation = load(session, consultation_id, lock=True)
    require_local(actor, consultation)
    require_open(consultation, act="record")
    state: str | None = None
    on_behalf = False
    if data.kind == RecordKind.MINUTES:
        on_behalf = authorize_convenor(actor, consultation)
        state = consultation.convening_state
    elif data.state:
        state = members.require_state(session, data.state)
        on_behalf = authorize_state_write(actor, state)
        if participant(consultation, state) is None:
            raise InvalidInput(
                N_("{state} does not take part in consultation {id}"),
                [FieldError("state", "not a participant", data.state)],
                params={"state": state, "id": consultation.id},
            )
    else:
        authorize(
            actor, Action.COORDINATE, field="state", why=N_("a note names the state it is from")
        )
    if data.agenda_position is not None and data.agenda_position > len(consultation.agenda):
        raise InvalidInput(
            "no such agenda item",
            [FieldError("agenda_position", "beyond the agenda", data.agenda_position)],
        )
    entry = RecordEntry(
        consultation_id=consultation.id,
        at=moment,
        author=actor.actor,
        state_iso3=state,
        kind=data.kind,
        agenda_position=data.agenda_position,
        text=data.text,
    )
    session.add(entry)
    consultation.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="record_" + data.kind,
        entity=ENTITY,
        entity_id=consultation.id,
        state={"entry": entry.id, "state": state, "text": data.text, "on_behalf": on_behalf},
    )
    return entry
