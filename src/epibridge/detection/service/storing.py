"""Storing a run's findings: one signal per (series, period, method), drafts per episode.

A re-run updates an open signal's values, never adds a second one, and leaves decided
(confirmed or dismissed) ones as they were decided. The open signals of one series share one
draft notification (one episode), so four alarming weeks ask the state one question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.detection.models import Signal
from epibridge.detection.service.common import (
    ENTITY,
    audit_state,
    open_draft,
    publish,
)
from epibridge.detection.service.series import SCO, LoadedSeries
from epibridge.detection.statuses import SignalStatus
from epibridge.security import Action, Principal, authorize

_VALUES = ("observed", "expected", "upperbound", "score", "alarm", "nowcast")


@dataclass
class Finding:
    """One computed (series, period, method) point of a run: what ``store`` turns into signals.

    Defined here, where it is consumed, so that ``runs`` (which computes findings) imports this
    module and not the other way round.
    """

    series: LoadedSeries
    index: int
    method: str
    observed: float | None
    expected: float | None
    upperbound: float | None
    score: float | None
    alarm: bool


@dataclass
class Stored:
    opened: int = 0
    updated: int = 0
    notifications: int = 0


class _Known:
    """The stored signals of each series a run touches, read once per series."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_series: dict[tuple[str, ...], dict[tuple[Any, ...], Signal]] = {}

    def of(self, f: Finding) -> tuple[dict[tuple[Any, ...], Signal], tuple[Any, ...]]:
        k = f.series.key
        series = (k.dataset, k.state, k.area, k.disease, k.metric, k.classification)
        if series not in self.by_series:
            rows = self.session.execute(
                select(Signal).where(
                    Signal.dataset == k.dataset,
                    Signal.state == k.state,
                    Signal.area == k.area,
                    Signal.disease == k.disease,
                    Signal.metric == k.metric,
                    Signal.classification == k.classification,
                )
            ).scalars()
            self.by_series[series] = {(r.period_start, r.period_end, r.method): r for r in rows}
        point = (f.series.starts[f.index], f.series.ends[f.index], f.method)
        return self.by_series[series], point


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
            Signal.status == SignalStatus.OPEN,
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
    actor: Principal,
) -> Stored:
    """Open a signal per new alarm, update open ones, and open drafts for member states."""
    authorize(actor, Action.COORDINATE)
    stored = Stored()
    now = utcnow()
    known = _Known(session)
    for f in findings:
        signals_of_series, point = known.of(f)
        existing = signals_of_series.get(point)
        values = {
            "observed": f.observed,
            "expected": f.expected,
            "upperbound": f.upperbound,
            "score": f.score,
            "alarm": f.alarm,
            "nowcast": f.series.corrected,
        }
        if existing is not None:
            # A replica is its origin node's alarm on the same period: that node decides it.
            if existing.status != SignalStatus.OPEN or existing.origin_node is not None:
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
                actor=actor.actor,
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
            status=SignalStatus.OPEN,
            on_behalf=False,
            **values,
        )
        session.add(signal)
        session.flush()
        signals_of_series[point] = signal
        if signal.dataset == SCO:
            draft = _episode_draft(session, signal)
            if draft is None:
                draft = open_draft(session, signal)
                stored.notifications += 1
            signal.notification_id = draft
            session.flush()
        audit.record(
            session,
            actor=actor.actor,
            action="open",
            entity=ENTITY,
            entity_id=signal.id,
            state=audit_state(signal),
        )
        if signal.dataset == SCO:
            publish(session, actor=actor, topic="detection.signal_opened", signal=signal)
        stored.opened += 1
    return stored
