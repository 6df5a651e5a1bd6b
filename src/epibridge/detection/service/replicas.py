"""Signals of other nodes, when their state shares them: read-only replicas here.

A state's node computes its own signals (it holds the rows); a state may let them travel
(``federation.sharing``), and a receiving node keeps each as a replica marked with its origin.
Only a newer copy (``updated_at``) changes a replica; the owning state decides a signal on its
own node, so ``signals.confirm``/``dismiss`` refuse a replica (``refuse_replica``).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalBody
from epibridge.detection.service.common import ENTITY, audit_state, publish
from epibridge.detection.service.series import SCO
from epibridge.detection.statuses import SignalStatus
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications.schemas_replica import NodeRef
from epibridge.notifications.service import replicas as notification_replicas
from epibridge.security import Action, Principal, authorize, require_principal
from epibridge.text import printable
from epibridge.validation_messages import field_error

_COPIED = tuple(name for name in SignalBody.model_fields if name not in ("signal", "notification"))


def refuse_replica(signal: Signal) -> None:
    """The owning state decides a signal on the node that computed it."""
    if signal.origin_node is not None:
        raise Conflict(
            N_("signal {id} is a replica from node {node}; it is decided only there"),
            [FieldError("origin_node", N_("read-only replica"), signal.origin_node)],
            params={"id": signal.id, "node": signal.origin_node},
        )


def signal_body(session: Session, *, signal_id: int, here: str) -> dict[str, Any] | None:
    """This node's signal ``signal_id`` as other nodes get it (None: not this node's)."""
    signal = session.get(Signal, signal_id)
    if signal is None or signal.origin_node is not None or signal.dataset != SCO:
        return None
    read = audit_state(signal)
    body = {name: read[name] for name in _COPIED}
    body["signal"] = {"node": here, "id": signal.id}
    body["notification"] = (
        {"node": here, "id": signal.notification_id} if signal.notification_id else None
    )
    return body


def _parse(body: dict[str, Any]) -> SignalBody:
    try:
        return SignalBody.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(
            N_("the message body is not valid"),
            [
                field_error(e, value=printable(str(e.get("input")), 200)).at(
                    "body." + ".".join(map(str, e["loc"]))
                )
                for e in exc.errors()
            ],
        ) from None


def _notification(session: Session, ref: NodeRef | None, here: str | None) -> int | None:
    """The local id of the signal's notification, when this node holds it (its replica)."""
    if ref is None:
        return None
    return notification_replicas.local_event_id(session, ref, here)


def apply_signal(
    session: Session,
    *,
    actor: Principal,
    origin_node: str,
    body: dict[str, Any],
    here: str | None = None,
) -> tuple[Signal | None, bool]:
    """Store or refresh another node's signal; whether anything changed.

    A signal this node computed itself from the same series and period (its key) is kept as
    it is: one alarm, one row.
    """
    require_principal(actor)
    data = _parse(body)
    notification_replicas.require_own(data.signal, origin_node, "body.signal.node")
    authorize(actor, Action.WRITE_STATE, data.state)
    signal = session.execute(
        select(Signal).where(Signal.origin_node == origin_node, Signal.origin_id == data.signal.id)
    ).scalar_one_or_none()
    if signal is not None and data.updated_at <= signal.updated_at:
        return signal, False
    if signal is None:
        if _local_twin(session, data):
            return None, False
        signal = Signal(dataset=SCO, origin_node=origin_node, origin_id=data.signal.id)
        session.add(signal)
    for name in _COPIED:
        setattr(signal, name, getattr(data, name))
    signal.notification_id = _notification(session, data.notification, here)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="replicate",
        entity=ENTITY,
        entity_id=signal.id,
        state={**audit_state(signal), "origin_id": signal.origin_id},
    )
    topic = "opened" if signal.status == SignalStatus.OPEN else signal.status
    publish(session, actor=actor, topic=f"detection.signal_{topic}", signal=signal)
    return signal, True


def _local_twin(session: Session, data: SignalBody) -> bool:
    return (
        session.execute(
            select(Signal.id).where(
                Signal.dataset == SCO,
                Signal.state == data.state,
                Signal.area == data.area,
                Signal.disease == data.disease,
                Signal.metric == data.metric,
                Signal.classification == data.classification,
                Signal.period_start == data.period_start,
                Signal.period_end == data.period_end,
                Signal.method == data.method,
            )
        ).first()
        is not None
    )
