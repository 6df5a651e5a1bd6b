"""Storing a run's findings: one signal per (series, period, method), drafts per episode.

A re-run updates an open signal's values, never adds a second one, and leaves decided
(confirmed or dismissed) ones as they were decided. The open signals of one series share one
draft notification (one episode), so four alarming weeks ask the state one question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.detection.models import Signal
from epibridge.detection.service.common import (
    DETECTION_ACTOR,
    ENTITY,
    audit_state,
    open_draft,
    publish,
)
from epibridge.detection.service.series import SCO

if TYPE_CHECKING:
    from epibridge.detection.service.runs import Finding

_VALUES = ("observed", "expected", "upperbound", "score", "alarm")


@dataclass
class Stored:
    opened: int = 0
    updated: int = 0
    notifications: int = 0


def _key(f: Finding) -> tuple[Any, ...]:
    k = f.series.key
    return (
        k.dataset,
        k.state,
        k.area,
        k.disease,
        k.metric,
        k.classification,
        f.series.starts[f.index],
        f.series.ends[f.index],
        f.method,
    )


def _existing(session: Session, f: Finding) -> Signal | None:
    k = _key(f)
    return session.execute(
        select(Signal).where(
            Signal.dataset == k[0],
            Signal.state == k[1],
            Signal.area == k[2],
            Signal.disease == k[3],
            Signal.metric == k[4],
            Signal.classification == k[5],
            Signal.period_start == k[6],
            Signal.period_end == k[7],
            Signal.method == k[8],
        )
    ).scalar_one_or_none()


def _episode_draft(session: Session, signal: Signal) -> int | None:
    """The draft already opened for an open signal of the same series, if any."""
    return session.execute(
        select(Signal.notification_id)
        .where(
            Signal.dataset == signal.dataset,
            Signal.state == signal.state,
            Signal.area == signal.area,
            Signal.disease == signal.disease,
            Signal.metric == signal.metric,
            Signal.classification == signal.classification,
            Signal.status == "open",
            Signal.notification_id.is_not(None),
            Signal.id != signal.id,
        )
        .order_by(Signal.id)
        .limit(1)
    ).scalar_one_or_none()


def store_findings(
    session: Session,
    *,
    findings: list[Finding],
    run_id: str,
    as_of: datetime,
    actor: str = DETECTION_ACTOR,
) -> Stored:
    """Open a signal per new alarm, update open ones, and open drafts for member states."""
    stored = Stored()
    now = utcnow()
    for f in findings:
        existing = _existing(session, f)
        values = {
            "observed": f.observed,
            "expected": f.expected,
            "upperbound": f.upperbound,
            "score": f.score,
            "alarm": f.alarm,
        }
        if existing is not None:
            if existing.status != "open":
                continue
            if all(getattr(existing, name) == values[name] for name in _VALUES):
                continue
            for name, value in values.items():
                setattr(existing, name, value)
            existing.as_of = as_of
            existing.run_id = run_id
            existing.updated_at = now
            session.flush()
            audit.record(
                session,
                actor=actor,
                action="update",
                entity=ENTITY,
                entity_id=existing.id,
                state=audit_state(existing),
            )
            stored.updated += 1
            continue
        if not f.alarm:
            continue
        k = f.series.key
        signal = Signal(
            dataset=k.dataset,
            state=k.state,
            area=k.area,
            disease=k.disease,
            metric=k.metric,
            classification=k.classification,
            title=f.series.title[:300],
            synthetic=f.series.synthetic,
            granularity=f.series.granularity,
            period_start=f.series.starts[f.index],
            period_end=f.series.ends[f.index],
            method=f.method,
            as_of=as_of,
            run_id=run_id,
            created_at=now,
            updated_at=now,
            status="open",
            on_behalf=False,
            **values,
        )
        session.add(signal)
        session.flush()
        if signal.dataset == SCO:
            draft = _episode_draft(session, signal)
            if draft is None:
                draft = open_draft(session, signal)
                stored.notifications += 1
            signal.notification_id = draft
            session.flush()
        audit.record(
            session,
            actor=actor,
            action="open",
            entity=ENTITY,
            entity_id=signal.id,
            state=audit_state(signal),
        )
        if signal.dataset == SCO:
            publish(session, actor=actor, topic="detection.signal_opened", signal=signal)
        stored.opened += 1
    return stored
