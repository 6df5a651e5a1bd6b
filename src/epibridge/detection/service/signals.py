"""Signals: storing a run's alarms, opening draft notifications, and the state's decision.

One row per (series, period, method), whatever the number of runs: a re-run updates an open
signal's values, never adds a second one, and leaves decided (confirmed or dismissed) ones as
they were decided. The open signals of one series share one draft notification (one episode),
so four alarming weeks ask the state one question, and its answer decides them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.api.pagination import decode_cursor, encode_cursor
from epibridge.db import utcnow
from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalDismiss, SignalRead
from epibridge.detection.service.series import SCO
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.notifications import service as notifications
from epibridge.notifications.outbox import service as outbox
from epibridge.notifications.schemas import NotificationCreate
from epibridge.security import Action, Principal, Role, Visibility, authorize

if TYPE_CHECKING:
    from epibridge.detection.service.runs import Finding

ENTITY = "detection_signal"
DETECTION_ACTOR = "system:detection"
API_PATH = "/api/v1/signals"
_VALUES = ("observed", "expected", "upperbound", "score", "alarm")


def detector(state: str) -> Principal:
    """The machine principal that opens drafts: a system account of the owning state."""
    return Principal(user_id=0, name="detection", role=Role.SYSTEM, state=state)


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


def audit_state(signal: Signal) -> dict[str, Any]:
    return SignalRead.model_validate(signal).model_dump(mode="json")


def _publish(session: Session, *, actor: str, topic: str, signal: Signal) -> None:
    outbox.publish(
        session,
        actor=actor,
        topic=topic,
        entity=ENTITY,
        entity_id=signal.id,
        payload={
            "topic": topic,
            "signal": audit_state(signal),
            "links": {"self": f"{API_PATH}/{signal.id}"},
        },
        visibility=Visibility.MEMBERS,
        states=[signal.state],
        exercise=signal.synthetic,
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _open_draft(session: Session, signal: Signal) -> int:
    """Open the draft notification a state's focal points will confirm or dismiss."""
    counts: dict[str, int] = {}
    observed = int(signal.observed) if signal.observed is not None else 0
    if signal.metric == "deaths":
        counts["deaths"] = observed
    elif signal.metric == "cases":
        field = {"confirmed": "confirmed_cases", "probable": "probable_cases"}.get(
            signal.classification, "suspected_cases"
        )
        counts[field] = observed
    prefix = "[SYNTHETIC DATA] " if signal.synthetic else ""
    title = (
        f"{prefix}Detection signal: {signal.disease} {signal.metric} ({signal.classification}) "
        f"in {signal.state}, {signal.granularity} of {signal.period_start}"
    )
    description = (
        f"{prefix}Automatic detection ({signal.method}) found {_fmt(signal.observed)} "
        f"{signal.metric} ({signal.classification}) for {signal.period_start} to "
        f"{signal.period_end}, above the upper bound {_fmt(signal.upperbound)} "
        f"(expected {_fmt(signal.expected)}), with the data as known at "
        f"{signal.as_of.isoformat()}. This draft is not notified: a focal point of "
        f"{signal.state} confirms the signal (which notifies it) or dismisses it with a reason "
        f"({API_PATH}/{signal.id})."
    )
    event = notifications.create(
        session,
        actor=detector(signal.state),
        data=NotificationCreate(
            title=title[:300],
            disease=signal.disease,
            onset_date=signal.period_start,
            detection_date=signal.as_of.date(),
            state=signal.state,
            status="draft",
            mode="exercise" if signal.synthetic else "actual",
            visibility="members",
            description=description,
            event_type="outbreak",
            **counts,  # type: ignore[arg-type]
        ),
    )
    return event.id


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
                draft = _open_draft(session, signal)
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
            _publish(session, actor=actor, topic="detection.signal_opened", signal=signal)
        stored.opened += 1
    return stored


def get(session: Session, *, principal: Principal | None, signal_id: int) -> Signal:
    """Return one signal."""
    if principal is not None:
        authorize(principal, Action.READ_MEMBERS)
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(f"no signal {signal_id}", [FieldError("id", "unknown signal", signal_id)])
    return signal


def list_signals(
    session: Session,
    *,
    principal: Principal | None,
    state: str | None = None,
    disease: str | None = None,
    status: str | None = None,
    method: str | None = None,
    dataset: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Signal], str | None]:
    """List signals newest first, with filters; pass the returned cursor for the next page."""
    if principal is not None:
        authorize(principal, Action.READ_MEMBERS)
    query = select(Signal)
    if state:
        query = query.where(Signal.state == state.strip().upper())
    if disease:
        query = query.where(Signal.disease == disease.strip().upper())
    if status:
        if status not in ("open", "confirmed", "dismissed"):
            raise InvalidInput(
                "unknown status",
                [FieldError("status", "one of open, confirmed, dismissed", status)],
            )
        query = query.where(Signal.status == status)
    if method:
        query = query.where(Signal.method == method)
    if dataset:
        if dataset == "reference":
            query = query.where(Signal.dataset.startswith("reference:"))
        else:
            query = query.where(Signal.dataset == dataset)
    position = decode_cursor(cursor)
    if position is not None:
        last = position.get("id")
        if not isinstance(last, int):
            raise InvalidInput(
                "the cursor is not one this API issued", [FieldError("cursor", "malformed", cursor)]
            )
        query = query.where(Signal.id < last)
    rows = list(session.execute(query.order_by(Signal.id.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor({"id": rows[-1].id}) if more and rows else None


def _episode(session: Session, signal: Signal) -> list[Signal]:
    """The open signals decided together with ``signal`` (those sharing its draft)."""
    if signal.notification_id is None:
        return [signal]
    return list(
        session.execute(
            select(Signal)
            .where(Signal.notification_id == signal.notification_id, Signal.status == "open")
            .order_by(Signal.id)
        ).scalars()
    )


def _require_open(signal: Signal) -> None:
    if signal.status != "open":
        raise Conflict(
            f"signal {signal.id} is already {signal.status}",
            [FieldError("status", "only an open signal can be decided", signal.status)],
        )


def _decide(
    session: Session,
    *,
    actor: Principal,
    signal: Signal,
    status: str,
    on_behalf: bool,
    reason: str | None,
) -> list[Signal]:
    now = utcnow()
    decided = _episode(session, signal)
    for item in decided:
        item.status = status
        item.decided_at = now
        item.decided_by = actor.actor
        item.on_behalf = on_behalf
        item.reason = reason
        item.updated_at = now
    session.flush()
    action = "confirm" if status == "confirmed" else "dismiss"
    for item in decided:
        audit.record(
            session,
            actor=actor.actor,
            action=action,
            entity=ENTITY,
            entity_id=item.id,
            state=audit_state(item),
        )
        if item.dataset == SCO:
            _publish(session, actor=actor.actor, topic=f"detection.signal_{status}", signal=item)
    return decided


def confirm(session: Session, *, actor: Principal, signal_id: int) -> Signal:
    """Confirm a signal: its draft notification is notified to the other states."""
    signal = get(session, principal=actor, signal_id=signal_id)
    if signal.dataset != SCO:
        raise Conflict(
            f"signal {signal_id} is on {signal.dataset}, not a member state's data: "
            "it can be dismissed, never notified",
            [FieldError("dataset", "reference data are never notified", signal.dataset)],
        )
    decision = authorize(actor, Action.WRITE_STATE, signal.state)
    _require_open(signal)
    if signal.notification_id is None:
        signal.notification_id = _open_draft(session, signal)
        session.flush()
    event = notifications.get(session, actor=actor, event_id=signal.notification_id)
    if event.status == "draft":
        notifications.notify(session, actor=actor, event_id=signal.notification_id)
    _decide(
        session,
        actor=actor,
        signal=signal,
        status="confirmed",
        on_behalf=decision.on_behalf,
        reason=None,
    )
    return signal


def dismiss(session: Session, *, actor: Principal, signal_id: int, data: SignalDismiss) -> Signal:
    """Dismiss a signal with the reason it is not an outbreak; nothing is notified."""
    signal = get(session, principal=actor, signal_id=signal_id)
    if signal.dataset == SCO:
        on_behalf = authorize(actor, Action.WRITE_STATE, signal.state).on_behalf
    else:
        authorize(actor, Action.COORDINATE)
        on_behalf = False
    _require_open(signal)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("give the reason", [FieldError("reason", "must not be blank")])
    _decide(
        session, actor=actor, signal=signal, status="dismissed", on_behalf=on_behalf, reason=reason
    )
    return signal


def to_read(signal: Signal) -> SignalRead:
    return SignalRead.model_validate(signal)
