"""Reading deliveries, the dead letters, and replaying them: what owners and operators do.

Owners see and replay the deliveries of their own subscriptions; administrators (and the
operator's CLI) all of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.notifications.outbox.models import Delivery, OutboxMessage, Subscription
from epibridge.notifications.outbox.schemas import DeliveryRead
from epibridge.notifications.outbox.service import get_subscription
from epibridge.notifications.outbox.statuses import DeliveryStatus
from epibridge.paging import Page
from epibridge.security import Action, Principal, decide


def _visible_deliveries(actor: Principal) -> Any:
    query = select(Delivery).join(Subscription, Subscription.id == Delivery.subscription_id)
    if not decide(actor, Action.ADMINISTER).allowed:
        query = query.where(Subscription.owner_user_id == actor.user_id)
    return query


def to_reads(session: Session, deliveries: list[Delivery]) -> list[DeliveryRead]:
    """The read models of ``deliveries``, with their messages' topics (one query)."""
    if not deliveries:
        return []
    messages = {
        message_id: (topic, exercise)
        for message_id, topic, exercise in session.execute(
            select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.exercise).where(
                OutboxMessage.id.in_({d.message_id for d in deliveries})
            )
        )
    }
    return [_to_read(d, *messages[d.message_id]) for d in deliveries]


def _to_read(delivery: Delivery, topic: str, exercise: bool) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        message_id=delivery.message_id,
        subscription_id=delivery.subscription_id,
        topic=topic,
        exercise=exercise,
        status=delivery.status,
        attempts=delivery.attempts,
        created_at=delivery.created_at,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        last_error=delivery.last_error,
        last_status_code=delivery.last_status_code,
        delivered_at=delivery.delivered_at,
        dead_at=delivery.dead_at,
    )


def list_deliveries(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    subscription_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Delivery]:
    """List deliveries of the caller's subscriptions (administrators: all), newest first."""
    if status is not None and status not in set(DeliveryStatus):
        raise InvalidInput(
            N_("status must be one of {choices}"),
            [FieldError("status", "unknown status", status)],
            params={"choices": list(DeliveryStatus)},
        )
    if subscription_id is not None:
        get_subscription(session, actor=actor, subscription_id=subscription_id)
    query = _visible_deliveries(actor)
    if status is not None:
        query = query.where(Delivery.status == status)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    return paging.page(
        session, query, paging.Order(Delivery.id, descending=True), cursor=cursor, limit=limit
    )


def _requeue(delivery: Delivery, now: datetime) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.window_start = now
    delivery.dead_at = None
    delivery.claimed_until = None
    delivery.claimed_by = None


def replay(
    session: Session,
    *,
    actor: Principal,
    delivery_id: int | None = None,
    subscription_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Put dead deliveries back in the queue (one, or all of a subscription, or all visible)."""
    now = now or utcnow()
    query = _visible_deliveries(actor).where(Delivery.status == DeliveryStatus.DEAD)
    if delivery_id is not None:
        row = session.execute(_visible_deliveries(actor).where(Delivery.id == delivery_id)).first()
        if row is None:
            raise NotFound(
                N_("no delivery {delivery_id}"),
                [FieldError("delivery_id", "unknown delivery", delivery_id)],
                params={"delivery_id": delivery_id},
            )
        if row[0].status != DeliveryStatus.DEAD:
            raise Conflict(
                N_("delivery {delivery_id} is {status}, not dead"),
                [FieldError("delivery_id", "only dead deliveries can be replayed", delivery_id)],
                params={"delivery_id": delivery_id, "status": row[0].status},
            )
        query = query.where(Delivery.id == delivery_id)
    if subscription_id is not None:
        get_subscription(session, actor=actor, subscription_id=subscription_id)
        query = query.where(Delivery.subscription_id == subscription_id)
    deliveries = [row[0] for row in session.execute(query.with_for_update(of=Delivery)).all()]
    for delivery in deliveries:
        _requeue(delivery, now)
    session.flush()
    if deliveries:
        audit.record(
            session,
            actor=actor.actor,
            action="replay",
            entity="delivery",
            entity_id=deliveries[0].id,
            state={"deliveries": [d.id for d in deliveries]},
        )
    return len(deliveries)
