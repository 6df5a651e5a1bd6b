"""Read models of events, and the timeline of one event, shared by API, CLI and web."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.audit import AuditEntry
from epibridge.db import utcnow
from epibridge.notifications.diseases import disease_name
from epibridge.notifications.models import (
    EventDetermination,
    NotificationEvent,
    RiskAssessment,
    VerificationRequest,
)
from epibridge.notifications.schemas import (
    AcknowledgementsRead,
    Annex2Read,
    AssessmentRead,
    Counts,
    NotificationRead,
    NotificationSummary,
    RiskRead,
    TimelineEntry,
    VerificationRead,
    WhoDeterminationRead,
)
from epibridge.notifications.service import common, interactions, queries, verification
from epibridge.notifications.statuses import PRIVATE_STATUSES, EventMode, EventStatus
from epibridge.security import Principal


def to_summary(event: NotificationEvent, now: datetime | None = None) -> NotificationSummary:
    now = now or utcnow()
    return NotificationSummary(
        id=event.id,
        state=event.state,
        status=event.status,  # type: ignore[arg-type]
        version=event.version,
        mode=event.mode,  # type: ignore[arg-type]
        exercise=event.mode != EventMode.ACTUAL,
        visibility=event.visibility,  # type: ignore[arg-type]
        title=event.title,
        titles=common.titles(event),
        disease=event.disease,
        disease_name=disease_name(event.disease),
        event_type=event.event_type,
        area_code=event.area_code,
        onset_date=event.onset_date,
        notified_at=event.notified_at,
        updated_at=event.updated_at,
        counts=Counts(**common.counts(event)),
        risk_level=event.risk_level,
        annex2_outcome=event.annex2_outcome,
        notification_deadline=event.notification_deadline,
        overdue=common.is_overdue(event, now),
        links=common.links(event.id),
        origin_node=event.origin_node,
        origin_id=event.origin_id,
    )


def verification_read(v: VerificationRequest, now: datetime | None = None) -> VerificationRead:
    now = now or utcnow()
    return VerificationRead(
        id=v.id,
        requested_at=v.requested_at,
        requested_by=v.requested_by,
        requester_state=v.requester_state,
        question=v.question,
        due_at=v.due_at,
        overdue=(v.answered_at or now) > v.due_at,
        answered_at=v.answered_at,
        answered_by=v.answered_by,
        verified=v.verified,
        answer=v.answer,
    )


def assessment_read(row: RiskAssessment) -> AssessmentRead:
    return AssessmentRead(
        id=row.id,
        assessor=row.assessor,
        likelihood=row.likelihood,
        consequence=row.consequence,
        level=row.level,
        rationale=row.rationale,
        at=row.at,
        actor=row.actor,
    )


def to_read(
    session: Session, event: NotificationEvent, now: datetime | None = None
) -> NotificationRead:
    now = now or utcnow()
    rows = interactions.assessments(session, event_id=event.id)
    own = [r for r in rows if r.assessor == "secretariat"]
    acks = interactions.acknowledgements(session, event_id=event.id)
    done = {a.state for a in acks}
    expected = (
        interactions.expected_acknowledgers(session, event, on=now)
        if event.status not in PRIVATE_STATUSES
        else []
    )
    annex = event.annex2
    return NotificationRead(
        **to_summary(event, now).model_dump(),
        latitude=event.latitude,
        longitude=event.longitude,
        detection_date=event.detection_date,
        affected_states=list(event.affected_states or []),
        measures=event.measures,
        description=event.description,
        language=event.language,
        translations=event.translations or {},
        created_at=event.created_at,
        created_by=event.created_by,
        on_behalf=event.on_behalf,
        closed_at=event.closed_at,
        close_reason=event.close_reason,
        annex2=Annex2Read(**annex) if annex else None,
        risk=RiskRead(
            consolidated=event.risk_level,
            secretariat=assessment_read(own[-1]) if own else None,
            assessments=[assessment_read(r) for r in rows],
        ),
        acknowledgements=AcknowledgementsRead(
            acknowledged=[{"state": a.state, "at": a.at, "actor": a.actor} for a in acks],
            pending=[s for s in expected if s not in done],
        ),
        verifications=[
            verification_read(v, now)
            for v in verification.verifications(session, event_id=event.id)
        ],
        who_determination=determination_read(session.get(EventDetermination, event.id)),
    )


def determination_read(row: EventDetermination | None) -> WhoDeterminationRead:
    if row is None:
        return WhoDeterminationRead()
    return WhoDeterminationRead(
        determination=row.determination,
        determined_on=row.determined_on,
        ended_on=row.ended_on,
        source=row.source,
        recorded_at=row.recorded_at,
    )


def get(
    session: Session, *, actor: Principal, event_id: int, now: datetime | None = None
) -> NotificationRead:
    """Show one event with its assessments, acknowledgements and verifications."""
    return to_read(session, queries.get(session, actor=actor, event_id=event_id), now)


def timeline(session: Session, *, actor: Principal, event_id: int) -> list[TimelineEntry]:
    """Return everything that happened to one event, oldest first."""
    event = queries.get(session, actor=actor, event_id=event_id)
    entries: list[TimelineEntry] = []
    if event.notified_at != event.created_at:
        entries.append(
            TimelineEntry(
                at=event.created_at,
                kind="draft_created",
                actor=event.created_by,
                state=event.state,
                on_behalf=event.on_behalf,
            )
        )
    for v in queries.versions(session, event_id=event.id):
        snap = v.snapshot
        entries.append(
            TimelineEntry(
                at=v.at,
                kind=v.kind,
                actor=v.actor,
                state=event.state,
                on_behalf=v.on_behalf,
                detail={
                    "version": v.version,
                    "counts": {name: snap.get(name) for name in common.COUNT_FIELDS},
                    "reason": v.reason,
                    "cap_identifier": v.cap_identifier,
                    "cap_msg_type": v.cap_msg_type,
                },
            )
        )
    if event.annex2:
        entries.append(
            TimelineEntry(
                at=datetime.fromisoformat(event.annex2["assessed_at"]),
                kind="annex2_assessed",
                actor=event.annex2.get("assessed_by", event.created_by),
                state=event.state,
                detail={"outcome": event.annex2["outcome"], "deadline": event.annex2["deadline"]},
            )
        )
    for r in verification.verifications(session, event_id=event.id):
        entries.append(
            TimelineEntry(
                at=r.requested_at,
                kind="verification_requested",
                actor=r.requested_by,
                state=r.requester_state,
                detail={"id": r.id, "question": r.question, "due_at": r.due_at.isoformat()},
            )
        )
        if r.answered_at is not None:
            entries.append(
                TimelineEntry(
                    at=r.answered_at,
                    kind="verification_answered",
                    actor=r.answered_by or "",
                    state=event.state,
                    on_behalf=r.answer_on_behalf,
                    detail={
                        "id": r.id,
                        "verified": r.verified,
                        "answer": r.answer,
                        "late": r.answered_at > r.due_at,
                    },
                )
            )
    for a in interactions.assessments(session, event_id=event.id):
        entries.append(
            TimelineEntry(
                at=a.at,
                kind="assessed",
                actor=a.actor,
                state=None if a.assessor == "secretariat" else a.assessor,
                detail={
                    "assessor": a.assessor,
                    "likelihood": a.likelihood,
                    "consequence": a.consequence,
                    "level": a.level,
                    "rationale": a.rationale,
                },
            )
        )
    for k in interactions.acknowledgements(session, event_id=event.id):
        entries.append(TimelineEntry(at=k.at, kind="acknowledged", actor=k.actor, state=k.state))
    for c in interactions.comments(session, event_id=event.id):
        entries.append(
            TimelineEntry(
                at=c.at, kind="comment", actor=c.actor, state=c.state, detail={"body": c.body}
            )
        )
    if event.status == EventStatus.DISCARDED:
        entries.append(
            TimelineEntry(
                at=event.updated_at,
                kind="discarded",
                actor=_discarded_by(session, event),
                state=event.state,
                detail={"reason": event.close_reason},
            )
        )
    order = {"draft_created": 0, "notified": 1}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 2)))
    return entries


def _discarded_by(session: Session, event: NotificationEvent) -> str:
    """Who discarded a draft: the event keeps no column for it, its audit entry says."""
    return (
        session.execute(
            select(AuditEntry.actor)
            .where(
                AuditEntry.entity == common.ENTITY,
                AuditEntry.entity_id == str(event.id),
                AuditEntry.action == "discard",
            )
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        or ""
    )
