"""Recording an event's 7-1-7 milestones, and reading them back with their intervals.

Who writes: the event's own state (its focal point) and the Secretariat on its behalf, the one
rule of notifications (``load_for_change``); everyone else reads an event's timeliness exactly
when they may see the event (``load_event``: 404 otherwise, its existence not revealed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import FieldError, NotFound
from epibridge.i18n import N_
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.service import common
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Principal
from epibridge.timeliness.models import Factor, Milestones, ResponseAction
from epibridge.timeliness.schemas import ActionRecord, FactorCreate, MilestonesUpdate
from epibridge.timeliness.service import intervals as rule
from epibridge.timeliness.statuses import ActionOutcome, EarlyAction, Interval

ENTITY = "timeliness"
#: A discarded draft was never an event: it has no timeliness to record.
WRITABLE = (EventStatus.DRAFT, EventStatus.NOTIFIED, EventStatus.UPDATED, EventStatus.CLOSED)


@dataclass
class EventTimeliness:
    """One event with what timeliness recorded for it (rows, not yet a read model)."""

    event: NotificationEvent
    milestones: Milestones | None = None
    actions: dict[EarlyAction, ResponseAction] = field(default_factory=dict)
    factors: list[Factor] = field(default_factory=list)

    @property
    def dates(self) -> rule.Milestones:
        own = self.milestones
        emergence = own.emergence_date if own and own.emergence_date else self.event.onset_date
        national = own.national_notification_date if own else None
        return rule.Milestones(
            emergence=emergence,
            detection=self.event.detection_date,
            notification=rule.notification_day(self.event.notified_at, national),
            early_response=rule.early_response_day(
                {a: (r.outcome, r.completed_on) for a, r in self.actions.items()}
            ),
        )

    @property
    def days(self) -> dict[Interval, int | None]:
        return rule.intervals(self.dates)

    @property
    def targets(self) -> dict[Interval, bool | None]:
        return {interval: rule.met(interval, days) for interval, days in self.days.items()}


def load(session: Session, events: Sequence[NotificationEvent]) -> list[EventTimeliness]:
    """The timeliness of ``events``, with one query per table whatever their number."""
    found = {e.id: EventTimeliness(e) for e in events}
    if not found:
        return []
    ids = list(found)
    for row in session.execute(select(Milestones).where(Milestones.event_id.in_(ids))).scalars():
        found[row.event_id].milestones = row
    actions = select(ResponseAction).where(ResponseAction.event_id.in_(ids))
    for action in session.execute(actions).scalars():
        found[action.event_id].actions[EarlyAction(action.action)] = action
    factors = select(Factor).where(Factor.event_id.in_(ids)).order_by(Factor.id)
    for factor in session.execute(factors).scalars():
        found[factor.event_id].factors.append(factor)
    return [found[e.id] for e in events]


def may_record(actor: Principal, state: str, status: str) -> bool:
    """Whether ``actor`` may record the milestones of an event of ``state`` in ``status``
    (asked, as faces do; the writes below enforce it)."""
    return status in WRITABLE and common.may_write(actor, state)


def get(session: Session, *, actor: Principal, event_id: int) -> EventTimeliness:
    """The timeliness of one event the caller may see."""
    return load(session, [common.load_event(session, event_id, actor)])[0]


def _future(day: date | None, field_name: str, today: date, errors: list[FieldError]) -> None:
    if day is not None and day > today:
        errors.append(
            FieldError(
                field_name,
                N_("is in the future (today is {today})"),
                str(day),
                params={"today": today},
            )
        )


def _sourced(day: date | None, source: str | None, name: str, errors: list[FieldError]) -> None:
    if day is not None and not (source and source.strip()):
        errors.append(FieldError(f"{name}_source", N_("give the source of this date"), source))


def _check_milestones(
    event: NotificationEvent, data: MilestonesUpdate, today: date
) -> list[FieldError]:
    errors: list[FieldError] = []
    _sourced(data.emergence_date, data.emergence_source, "emergence", errors)
    _sourced(
        data.national_notification_date,
        data.national_notification_source,
        "national_notification",
        errors,
    )
    _future(data.emergence_date, "emergence_date", today, errors)
    _future(data.national_notification_date, "national_notification_date", today, errors)
    detection = event.detection_date
    if data.emergence_date and detection and data.emergence_date > detection:
        errors.append(
            FieldError(
                "emergence_date",
                N_("is after the detection date {detection}"),
                str(data.emergence_date),
                params={"detection": detection},
            )
        )
    national = data.national_notification_date
    if national and detection and national < detection:
        errors.append(
            FieldError(
                "national_notification_date",
                N_("is before the detection date {detection}"),
                str(national),
                params={"detection": detection},
            )
        )
    notified = rule.utc_day(event.notified_at)
    if national and notified and national > notified:
        errors.append(
            FieldError(
                "national_notification_date",
                N_("is after the event was notified in epibridge ({notified})"),
                str(national),
                params={"notified": notified},
            )
        )
    return errors


def set_milestones(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: MilestonesUpdate,
    now: datetime | None = None,
) -> EventTimeliness:
    """Set the emergence date and an earlier national notification (null: none), with sources."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session, event_id, actor, statuses=WRITABLE, rule=N_("a discarded draft has no timeliness")
    )
    common.raise_if(_check_milestones(event, data, now.date()), N_("the milestones are invalid"))
    row = session.get(Milestones, event.id) or Milestones(event_id=event.id)
    row.emergence_date = data.emergence_date
    row.emergence_source = _text(data.emergence_source) if data.emergence_date else None
    row.national_notification_date = data.national_notification_date
    row.national_notification_source = (
        _text(data.national_notification_source) if data.national_notification_date else None
    )
    row.updated_at = now
    row.updated_by = actor.actor
    session.add(row)
    session.flush()
    _audit(session, actor, "set_milestones", event, {**data.model_dump(), "on_behalf": on_behalf})
    return get(session, actor=actor, event_id=event.id)


def _check_action(data: ActionRecord, emergence: date | None, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.outcome is ActionOutcome.COMPLETED and data.completed_on is None:
        errors.append(
            FieldError("completed_on", N_("a completed action needs the day it was completed"))
        )
    if data.outcome is ActionOutcome.NOT_NEEDED and data.completed_on is not None:
        errors.append(
            FieldError(
                "completed_on",
                N_("an action that was not needed has no completion day"),
                str(data.completed_on),
            )
        )
    _future(data.completed_on, "completed_on", today, errors)
    if data.completed_on and emergence and data.completed_on < emergence:
        errors.append(
            FieldError(
                "completed_on",
                N_("is before the emergence date {emergence}"),
                str(data.completed_on),
                params={"emergence": emergence},
            )
        )
    return errors


def record_action(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    action: EarlyAction,
    data: ActionRecord,
    now: datetime | None = None,
) -> EventTimeliness:
    """Record (or correct) one early response action: the day it was completed, or not needed."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session, event_id, actor, statuses=WRITABLE, rule=N_("a discarded draft has no timeliness")
    )
    current = load(session, [event])[0]
    common.raise_if(
        _check_action(data, current.dates.emergence, now.date()),
        N_("the early response action is invalid"),
    )
    row = current.actions.get(action) or ResponseAction(event_id=event.id, action=action)
    row.outcome = data.outcome
    row.completed_on = data.completed_on
    row.note = _text(data.note)
    row.recorded_at = now
    row.recorded_by = actor.actor
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "record_action",
        event,
        {"action": action, **data.model_dump(), "on_behalf": on_behalf},
    )
    return get(session, actor=actor, event_id=event.id)


def add_factor(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: FactorCreate,
    now: datetime | None = None,
) -> EventTimeliness:
    """Record a bottleneck or an enabler of one of the event's intervals."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session, event_id, actor, statuses=WRITABLE, rule=N_("a discarded draft has no timeliness")
    )
    row = Factor(
        event_id=event.id,
        kind=data.kind,
        stage=data.stage,
        category=data.category,
        description=data.description.strip(),
        recorded_at=now,
        recorded_by=actor.actor,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "add_factor",
        event,
        {"factor_id": row.id, **data.model_dump(), "on_behalf": on_behalf},
    )
    return get(session, actor=actor, event_id=event.id)


def remove_factor(
    session: Session, *, actor: Principal, event_id: int, factor_id: int
) -> EventTimeliness:
    """Withdraw a bottleneck or enabler recorded by mistake (the audit log keeps it)."""
    event, on_behalf = common.load_for_change(
        session, event_id, actor, statuses=WRITABLE, rule=N_("a discarded draft has no timeliness")
    )
    row = session.get(Factor, factor_id)
    if row is None or row.event_id != event.id:
        raise NotFound(
            N_("no bottleneck or enabler {factor_id} on notification {event_id}"),
            [FieldError("factor_id", N_("unknown"), factor_id)],
            params={"factor_id": factor_id, "event_id": event_id},
        )
    state = {
        "factor_id": row.id,
        "kind": row.kind,
        "stage": row.stage,
        "category": row.category,
        "description": row.description,
        "on_behalf": on_behalf,
    }
    session.delete(row)
    session.flush()
    _audit(session, actor, "remove_factor", event, state)
    return get(session, actor=actor, event_id=event.id)


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def _audit(
    session: Session, actor: Principal, action: str, event: NotificationEvent, state: dict
) -> None:
    audit.record(
        session,
        actor=actor.actor,
        action=action,
        entity=ENTITY,
        entity_id=event.id,
        state=audit.json_ready({"event_id": event.id, "state": event.state, **state}),
    )
