"""WHO's determination on an event: none, PHEIC or pandemic emergency (IHR as amended in 2024).

Only WHO's Director-General determines either (articles 12 and 12bis of the amended IHR); the
Secretariat records what WHO determined, so that the event's page, its API read model and the
event lists carry it. A focal point reads it and cannot change it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications.models import EventDetermination
from epibridge.notifications.schemas import WhoDeterminationRead
from epibridge.notifications.service import queries
from epibridge.notifications.service.reads import determination_read
from epibridge.notifications.statuses import PRIVATE_STATUSES, WhoDetermination
from epibridge.preparedness.schemas import DeterminationWrite
from epibridge.security import Action, Principal, authorize

ENTITY = "who_determination"


def _check(data: DeterminationWrite, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.determination is WhoDetermination.NONE:
        for name in ("determined_on", "ended_on"):
            if getattr(data, name) is not None:
                errors.append(FieldError(name, N_("leave it empty when WHO determined nothing")))
        return errors
    if data.determined_on is None:
        errors.append(FieldError("determined_on", N_("required for a PHEIC or pandemic emergency")))
    for name in ("determined_on", "ended_on"):
        value = getattr(data, name)
        if value is not None and value > today:
            errors.append(FieldError(name, N_("is after today"), value.isoformat()))
    if data.determined_on and data.ended_on and data.ended_on < data.determined_on:
        errors.append(
            FieldError("ended_on", N_("is before the day it was determined"), data.ended_on)
        )
    return errors


def record_determination(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: DeterminationWrite,
    now: datetime | None = None,
) -> WhoDeterminationRead:
    """Record (or correct) WHO's determination on one event; the Secretariat's alone."""
    authorize(actor, Action.COORDINATE)
    now = now or utcnow()
    event = queries.get(session, actor=actor, event_id=event_id)
    if event.status in PRIVATE_STATUSES:
        raise Conflict(
            N_("event {event_id} was never notified: WHO's determination is on notified events"),
            [FieldError("event_id", N_("not notified"), event_id)],
            params={"event_id": event_id},
        )
    errors = _check(data, now.date())
    if errors:
        raise InvalidInput(N_("the determination is not valid"), errors)
    row = session.get(EventDetermination, event.id)
    action = "update" if row is not None else "create"
    if row is None:
        row = EventDetermination(event_id=event.id)
        session.add(row)
    row.determination = data.determination
    row.determined_on = data.determined_on
    row.ended_on = data.ended_on
    row.source = data.source.strip() if data.source and data.source.strip() else None
    row.recorded_at = now
    row.recorded_by = actor.actor
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action=action,
        entity=ENTITY,
        entity_id=event.id,
        state=row.audit_state(),
    )
    return determination_read(row)
