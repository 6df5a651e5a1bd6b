"""Signals: reading them, and the owning state's decision (confirm or dismiss).

A decision covers the signal's episode: every open signal sharing its draft notification.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalDismiss, SignalRead
from epibridge.detection.service.common import ENTITY, audit_state, open_draft, publish
from epibridge.detection.service.replicas import refuse_replica
from epibridge.detection.service.series import SCO
from epibridge.detection.statuses import SignalStatus
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.notifications import service as notifications
from epibridge.notifications.diseases import DISEASES
from epibridge.notifications.statuses import EventStatus
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize, decide


def get(session: Session, *, principal: Principal, signal_id: int) -> Signal:
    """Return one signal."""
    authorize(principal, Action.READ_MEMBERS)
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(
            N_("no signal {signal_id}"),
            [FieldError("id", "unknown signal", signal_id)],
            params={"signal_id": signal_id},
        )
    return signal


def list_signals(
    session: Session,
    *,
    principal: Principal,
    state: str | None = None,
    disease: str | None = None,
    status: str | None = None,
    method: str | None = None,
    dataset: str | None = None,
    q: str | None = None,
    notification_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Signal]:
    """List signals newest first, with filters (``q``: text in the title
    or the disease's name in any language), one page at a time."""
    authorize(principal, Action.READ_MEMBERS)
    query = select(Signal)
    if notification_id is not None:  # the signals a draft notification was opened for
        query = query.where(Signal.notification_id == notification_id)
    if state:
        query = query.where(Signal.state == state.strip().upper())
    if disease:
        query = query.where(Signal.disease == disease.strip().upper())
    if status:
        if status not in set(SignalStatus):
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
    if q and q.strip():
        text = q.strip().lower()
        # A signal's title names its disease by code: the text also finds the code by name.
        named = [
            d.code for d in DISEASES.values() if any(text in n.lower() for n in (d.en, d.ru, d.zh))
        ]
        query = query.where(
            or_(func.lower(Signal.title).contains(text, autoescape=True), Signal.disease.in_(named))
        )
    return paging.page(
        session, query, paging.Order(Signal.id, descending=True), cursor=cursor, limit=limit
    )


def _episode(session: Session, signal: Signal) -> list[Signal]:
    """The open signals decided together with ``signal`` (those sharing its draft)."""
    if signal.notification_id is None:
        return [signal]
    return list(
        session.execute(
            select(Signal)
            .where(
                Signal.notification_id == signal.notification_id, Signal.status == SignalStatus.OPEN
            )
            .order_by(Signal.id)
        ).scalars()
    )


def _require_open(signal: Signal) -> None:
    if signal.status != SignalStatus.OPEN:
        raise Conflict(
            N_("signal {id} is already {status}"),
            [FieldError("status", "only an open signal can be decided", signal.status)],
            params={"id": signal.id, "status": signal.status},
        )


def _decide(
    session: Session,
    *,
    actor: Principal,
    signal: Signal,
    status: SignalStatus,
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
    action = "confirm" if status == SignalStatus.CONFIRMED else "dismiss"
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
            publish(session, actor=actor, topic=f"detection.signal_{status}", signal=item)
    return decided


def confirm(session: Session, *, actor: Principal, signal_id: int) -> Signal:
    """Confirm a signal: its draft notification is notified to the other states."""
    signal = get(session, principal=actor, signal_id=signal_id)
    if signal.dataset != SCO:
        raise Conflict(
            N_(
                "signal {signal_id} is on {dataset}, not a member state's data: it can be "
                "dismissed, never notified"
            ),
            [FieldError("dataset", "reference data are never notified", signal.dataset)],
            params={"signal_id": signal_id, "dataset": signal.dataset},
        )
    decision = authorize(actor, Action.WRITE_STATE, signal.state)
    refuse_replica(signal)
    _require_open(signal)
    if signal.notification_id is None:
        signal.notification_id = open_draft(session, signal)
        session.flush()
    event = notifications.get(session, actor=actor, event_id=signal.notification_id)
    if event.status == EventStatus.DISCARDED:
        # The state discarded the draft and now confirms the signal after all: the signal
        # gets a new draft, notified at once; the discarded one stays as it was decided.
        signal.notification_id = open_draft(session, signal)
        session.flush()
        event = notifications.get(session, actor=actor, event_id=signal.notification_id)
    if event.status == EventStatus.DRAFT:
        notifications.notify(session, actor=actor, event_id=signal.notification_id)
    _decide(
        session,
        actor=actor,
        signal=signal,
        status=SignalStatus.CONFIRMED,
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
    refuse_replica(signal)
    _require_open(signal)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("give the reason", [FieldError("reason", "must not be blank")])
    _decide(
        session,
        actor=actor,
        signal=signal,
        status=SignalStatus.DISMISSED,
        on_behalf=on_behalf,
        reason=reason,
    )
    return signal


def decisions(principal: Principal, signal: Signal) -> frozenset[str]:
    """What ``principal`` may decide on ``signal`` now ("confirm", "dismiss"): what a face offers.

    The same questions ``confirm`` and ``dismiss`` ask of ``security.decide`` before acting.
    """
    if signal.status != SignalStatus.OPEN:
        return frozenset()
    if signal.dataset != SCO:
        coordinates = decide(principal, Action.COORDINATE).allowed
        return frozenset({"dismiss"}) if coordinates else frozenset()
    if decide(principal, Action.WRITE_STATE, signal.state).allowed:
        return frozenset({"confirm", "dismiss"})
    return frozenset()


def to_read(signal: Signal) -> SignalRead:
    return SignalRead.model_validate(signal)
