"""What is checked when a consultation is convened: delegations, agenda, deadlines, events."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from epibridge.consultations.models import AgendaItem, Consultation
from epibridge.consultations.schemas import AgendaItemIn, DeadlineItem
from epibridge.consultations.statuses import ParticipantRole
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.members.statuses import OBSERVING
from epibridge.notifications import service as events
from epibridge.security import PermissionDenied, Principal


def snapshot(consultation: Consultation) -> dict[str, Any]:
    """The consultation as the audit log and the outbox carry it."""
    return {
        "id": consultation.id,
        "topic": consultation.topic,
        "status": consultation.status,
        "convened_on": consultation.convened_on,
        "convenor_kind": consultation.convenor_kind,
        "convening_state": consultation.convening_state,
        "requested_by_state": consultation.requested_by_state,
        "participants": [
            p.state_iso3 for p in consultation.participants if p.role == ParticipantRole.MEMBER
        ],
        "observers": [
            p.state_iso3 for p in consultation.participants if p.role == ParticipantRole.OBSERVER
        ],
        "agenda": [item.title for item in consultation.agenda],
        "deadlines": consultation.deadlines,
        "event_ids": consultation.event_ids,
    }


def event_ids(session: Session, actor: Principal, ids: list[int]) -> list[int]:
    """Check linked notification events through the events domain's service, as the caller."""
    unique = list(dict.fromkeys(ids))
    errors = []
    for index, event_id in enumerate(unique):
        try:
            events.get(session, actor=actor, event_id=event_id)
        except DomainError as exc:
            field = f"event_ids[{index}]"
            errors.append(FieldError(field, exc.detail_id, event_id, params=exc.params))
        except PermissionDenied as exc:
            reason = exc.args[0] if exc.args else str(exc)  # security's reason, a Text
            errors.append(FieldError(f"event_ids[{index}]", reason, event_id))
    if errors:
        raise InvalidInput("linked notification events are not known", errors)
    return unique


def _participants(
    session: Session,
    day: date,
    requested: list[str],
    members_then: set[str],
    errors: list[FieldError],
) -> list[str]:
    """The requested member states, in order and once each; problems go to ``errors``."""
    chosen: list[str] = []
    for index, value in enumerate(requested):
        field = f"participants[{index}]"
        try:
            code = members.require_state(session, value, field=field)
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if code not in members_then:
            errors.append(
                FieldError(field, N_("not a member state on {day}"), value, params={"day": day})
            )
        elif code not in chosen:
            chosen.append(code)
    return chosen


def _observers(
    session: Session,
    day: date,
    observers: list[str],
    members_then: set[str],
    errors: list[FieldError],
) -> list[str]:
    """The invited observers or partners on ``day``, once each; problems go to ``errors``."""
    invited: list[str] = []
    for index, value in enumerate(observers):
        field = f"observers[{index}]"
        try:
            code = members.require_state(session, value, field=field)
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        period = members.status_on(members.get_state(session, iso3=code), day)
        if code in members_then:
            errors.append(FieldError(field, "a member state takes part as a participant", value))
        elif period is None or period.status not in OBSERVING:
            errors.append(
                FieldError(
                    field, N_("not an observer or partner on {day}"), value, params={"day": day}
                )
            )
        elif code not in invited:
            invited.append(code)
    return invited


def delegations(
    session: Session,
    *,
    day: date,
    requested: list[str] | None,
    observers: list[str],
    always: list[str],
) -> tuple[list[str], list[str]]:
    """Resolve the delegations: member states on ``day`` (all by default) and invited observers."""
    members_then = {s.iso3 for s in members.members_on(session, on=day)}
    errors: list[FieldError] = []
    if requested is None:
        chosen = sorted(members_then)
    else:
        chosen = _participants(session, day, requested, members_then, errors)
    for code in always:
        if code in members_then and code not in chosen:
            chosen.append(code)
    invited = _observers(session, day, observers, members_then, errors)
    if not chosen and not errors:
        errors.append(FieldError("participants", "at least one member state must take part"))
    if errors:
        raise InvalidInput("the participating delegations are not valid", errors)
    return sorted(chosen), sorted(invited)


def agenda_items(items: list[AgendaItemIn]) -> list[AgendaItem]:
    return [
        AgendaItem(position=index, title=item.title, description=item.description)
        for index, item in enumerate(items, start=1)
    ]


def deadline_list(items: list[DeadlineItem]) -> list[dict[str, Any]]:
    ordered = sorted(items, key=lambda d: d.due)
    return [{"label": d.label, "due": d.due.isoformat()} for d in ordered]
