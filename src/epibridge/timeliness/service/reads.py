"""Read models of an event's timeliness, and its entries for the event's timeline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.audit import AuditEntry
from epibridge.notifications.schemas import TimelineEntry
from epibridge.notifications.service import common
from epibridge.security import Principal
from epibridge.timeliness.schemas import (
    ActionRead,
    FactorRead,
    MilestoneRead,
    Targets,
    TimelinessRead,
)
from epibridge.timeliness.service import intervals as rule
from epibridge.timeliness.service.records import ENTITY, EventTimeliness
from epibridge.timeliness.statuses import EarlyAction, Interval

API_PATH = "/api/v1/timeliness/events"


def to_read(item: EventTimeliness) -> TimelinessRead:
    event, own = item.event, item.milestones
    dates = item.dates
    national = own.national_notification_date if own else None
    earlier = national is not None and dates.notification == national
    days = item.days
    targets = item.targets
    return TimelinessRead(
        event_id=event.id,
        state=event.state,
        title=event.title,
        emergence=MilestoneRead(
            date=dates.emergence,
            origin="recorded" if own and own.emergence_date else "onset",
            source=own.emergence_source if own and own.emergence_date else None,
        ),
        detection=MilestoneRead(
            date=dates.detection, origin="notification" if dates.detection else None
        ),
        notification=MilestoneRead(
            date=dates.notification,
            origin="national" if earlier else ("epibridge" if dates.notification else None),
            source=own.national_notification_source if earlier and own else None,
        ),
        early_response=MilestoneRead(
            date=dates.early_response, origin="actions" if dates.early_response else None
        ),
        actions=[
            ActionRead(
                action=action,
                outcome=row.outcome if row else None,
                completed_on=row.completed_on if row else None,
                note=row.note if row else None,
                recorded_by=row.recorded_by if row else None,
            )
            for action in EarlyAction
            for row in [item.actions.get(action)]
        ],
        detect_days=days[Interval.DETECT],
        notify_days=days[Interval.NOTIFY],
        respond_days=days[Interval.RESPOND],
        targets_met=Targets(
            detect=targets[Interval.DETECT],
            notify=targets[Interval.NOTIFY],
            respond=targets[Interval.RESPOND],
        ),
        all_met=rule.all_met(targets),
        factors=[
            FactorRead(
                id=f.id,
                kind=f.kind,
                stage=f.stage,
                category=f.category,
                description=f.description,
                recorded_by=f.recorded_by,
            )
            for f in item.factors
        ],
        links={"self": f"{API_PATH}/{event.id}", "event": common.links(event.id)["self"]},
    )


def timeline(session: Session, *, actor: Principal, event_id: int) -> list[TimelineEntry]:
    """What was recorded about the event's timeliness, for its timeline (oldest first)."""
    common.load_event(session, event_id, actor)
    rows = session.execute(
        select(AuditEntry)
        .where(AuditEntry.entity == ENTITY, AuditEntry.entity_id == str(event_id))
        .order_by(AuditEntry.id)
    ).scalars()
    return [
        TimelineEntry(
            at=row.at,
            kind=f"timeliness_{row.action}",
            actor=row.actor,
            state=(row.detail or {}).get("state"),
            on_behalf=bool((row.detail or {}).get("on_behalf")),
            detail={k: v for k, v in (row.detail or {}).items() if k not in {"event_id", "state"}},
        )
        for row in rows
    ]
