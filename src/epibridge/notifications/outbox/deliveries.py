"""The rules of delivery: fan-out, claims with a lease, outcomes, retries, dead letters, replay.

Fan-out happens in the worker, not in ``publish``: publishing stays one insert inside the
caller's transaction (no subscriber look-up slowing every domain's writes), and one worker
transaction both inserts a message's delivery rows and marks it fanned out, so a crash leaves
either all of them or none (the message is then fanned out again). The unique pair
(message, subscription) makes a duplicate row impossible even if two fan-outs raced.

Claims set ``claimed_until`` (a lease) in their own committed transaction; on PostgreSQL the
rows are picked with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint sets, on
SQLite the write transaction starts with ``BEGIN IMMEDIATE`` and so claims one at a time. The
worker that fans a message out may claim the first of its new rows in the same insert (no
separate claim round trip for fresh messages); the others stay pending for any worker. A
worker that dies leaves claims that expire and are picked up again: at least once, and exactly
once in the normal case.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import NotFound
from epibridge.members import accounts
from epibridge.notifications.outbox import bulk
from epibridge.notifications.outbox.content import describe
from epibridge.notifications.outbox.jobs import (
    ClaimSpec,
    FanOut,
    Job,
    MessageView,
    Outcome,
)
from epibridge.notifications.outbox.models import Delivery, OutboxMessage, Subscription
from epibridge.notifications.outbox.statuses import DUE, FINISHED, DeliveryStatus, SubscriptionKind
from epibridge.security import Action, Principal, Visibility, can_see, decide, system_principal

RETRY_WINDOW = timedelta(hours=24)
BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(hours=1)
#: The delivery worker is one of epibridge's components; its audit entries name it so.
WORKER_ACTOR = system_principal("worker").actor


#: A payload naming ``addressed_to`` (ISO3 codes) is a message to those states' accounts, not
#: news of an event: a directory reminder, a communication test. It reaches the accounts bound
#: to those states whatever their subscriptions' topic and state filters say (a test that a
#: filter could hide would test nothing), and no one else.
ADDRESSED_TO = "addressed_to"


def _addressed(message: OutboxMessage) -> list[str] | None:
    payload = message.payload
    addressed = payload.get(ADDRESSED_TO) if isinstance(payload, dict) else None
    return [str(s) for s in addressed] if isinstance(addressed, list) else None


def entitled(principal: Principal, *, visibility: str, addressed_to: list[str] | None) -> bool:
    """Whether an account may receive a message at all, before any subscription filter.

    The visibility (members, partners, public) and, for a message addressed to states, only
    those states' accounts. Federation relays a message to a node by this same rule, for an
    account of that node's state.
    """
    if not can_see(principal, Visibility(visibility)):
        return False
    return addressed_to is None or principal.state in addressed_to


def _matches(subscription: Subscription, principal: Principal, message: OutboxMessage) -> bool:
    addressed = _addressed(message)
    if not entitled(principal, visibility=message.visibility, addressed_to=addressed):
        return False
    if addressed is not None:
        return (
            subscription.kind != SubscriptionKind.WEBHOOK
            or decide(principal, Action.RECEIVE_WEBHOOKS).allowed
        )
    if (
        subscription.kind == SubscriptionKind.WEBHOOK
        and not decide(principal, Action.RECEIVE_WEBHOOKS).allowed
    ):
        return False  # e.g. an observer's webhook made before observers lost the right
    if message.exercise and not subscription.include_exercises:
        return False
    if subscription.topics and not any(message.topic.startswith(t) for t in subscription.topics):
        return False
    if subscription.states:
        concerned = set(message.states)
        state = describe(message.payload).get("state")
        if isinstance(state, str):
            concerned.add(state)
        if not concerned & set(subscription.states):
            return False
    return True


def _owners(session: Session, subscriptions: Sequence[Subscription]) -> dict[str, Principal]:
    found: dict[str, Principal] = {}
    for name in {s.owner_name for s in subscriptions}:
        try:
            user = accounts.get_user(session, name=name)
        except NotFound:
            continue
        if user.is_active:
            found[name] = accounts.principal_of(user)
    return found


def _view(message: OutboxMessage) -> MessageView:
    payload = message.payload
    return MessageView(
        id=message.id,
        topic=message.topic,
        created_at=message.created_at,
        visibility=message.visibility,
        exercise=message.exercise,
        states=list(message.states),
        entity=message.entity,
        entity_id=message.entity_id,
        payload=dict(payload) if isinstance(payload, dict) else {"value": payload},
    )


def _job(delivery_id: int, attempts: int, subscription: Subscription, view: MessageView) -> Job:
    return Job(
        delivery_id=delivery_id,
        subscription_id=subscription.id,
        kind=subscription.kind,
        url=subscription.url,
        email=subscription.email,
        language=subscription.language,
        secret=subscription.secret,
        attempt=attempts + 1,
        message=view,
    )


def fan_out(session: Session, *, batch: int = 100, now: datetime | None = None) -> tuple[int, int]:
    """Create the delivery rows of up to ``batch`` new messages; return (messages, deliveries)."""
    done = fan_out_and_claim(session, batch=batch, now=now)
    return done.messages, done.created


def fan_out_and_claim(
    session: Session,
    *,
    batch: int = 100,
    now: datetime | None = None,
    claim: ClaimSpec | None = None,
    views: MutableMapping[str, MessageView] | None = None,
) -> FanOut:
    """Create the delivery rows of up to ``batch`` new messages, all in one insert.

    With ``claim``, the first rows (oldest message first) are inserted already claimed by that
    worker and returned as jobs, which spares a claim query per fresh message.
    """
    now = now or utcnow()
    messages = list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.fanned_out_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    if not messages:
        return FanOut()
    subscriptions = list(
        session.execute(
            select(Subscription).where(
                Subscription.active.is_(True), Subscription.deleted_at.is_(None)
            )
        ).scalars()
    )
    owners = _owners(session, subscriptions)
    pairs = [
        (message, subscription)
        for message in messages
        for subscription in subscriptions
        if subscription.owner_name in owners
        and _matches(subscription, owners[subscription.owner_name], message)
    ]
    rows: list[dict[str, Any]] = []
    claimed: list[int] = []
    taken: dict[int, int] = {}
    for message, subscription in pairs:
        row: dict[str, Any] = {
            "message_id": message.id,
            "subscription_id": subscription.id,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "window_start": now,
            "next_attempt_at": now,
            "claimed_until": None,
            "claimed_by": None,
        }
        if claim is not None and len(claimed) < claim.limit and claim.take(subscription.id, taken):
            row["claimed_until"] = now + claim.lease
            row["claimed_by"] = claim.worker_id
            claimed.append(len(rows))
        rows.append(row)
    jobs: list[Job] = []
    ids = bulk.insert_deliveries(session, rows, returning=bool(claimed))
    cache = views if views is not None else {}
    for index in claimed:
        message, subscription = pairs[index]
        view = cache.get(message.id)
        if view is None:
            view = cache[message.id] = _view(message)
        jobs.append(_job(ids[index], 0, subscription, view))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]))
        .values(fanned_out_at=now)
    )
    audit.record(
        session,
        actor=WORKER_ACTOR,
        action="fan_out",
        entity="outbox_message",
        entity_id=messages[0].id,
        state={"messages": [m.id for m in messages], "deliveries": len(rows)},
    )
    return FanOut(len(messages), len(rows), jobs)


def has_work(session: Session, *, now: datetime | None = None) -> bool:
    """Whether a message awaits fan-out or a delivery is due (a read, taking no write lock)."""
    now = now or utcnow()
    unfanned = session.execute(
        select(OutboxMessage.id).where(OutboxMessage.fanned_out_at.is_(None)).limit(1)
    ).first()
    if unfanned is not None:
        return True
    due = session.execute(
        select(Delivery.id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(
            Delivery.status.in_(DUE),
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            Subscription.active.is_(True),
        )
        .limit(1)
    ).first()
    return due is not None


def claim(
    session: Session,
    *,
    worker_id: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    per_endpoint: int | None = None,
    busy: Mapping[int, int] | None = None,
    views: MutableMapping[str, MessageView] | None = None,
) -> list[Job]:
    """Claim up to ``limit`` due deliveries for ``lease``; other workers skip them meanwhile.

    With ``per_endpoint``, no subscription gets more than that many jobs in this worker
    (counting the ``busy`` ones it holds), so one slow endpoint cannot fill every slot.
    ``views`` caches messages by id across calls (a message never changes once written).
    """
    now = now or utcnow()
    spec = ClaimSpec(worker_id, limit, lease, per_endpoint, busy or {})
    if limit <= 0:
        return []
    full: list[int] = []
    if per_endpoint is not None:
        full = [sid for sid, held in spec.busy.items() if held >= per_endpoint]
    # Room for the rows a full endpoint turns down, without reading the whole queue.
    wanted = limit * 2 if per_endpoint is not None else limit
    # One query per status, each read in the order of the (status, next_attempt_at) index and
    # stopped at its limit; with ``status IN (...)`` the database sorts the whole due backlog
    # on every claim instead (milliseconds per tick inside the write lock during a burst).
    found = [
        row
        for status in DUE
        for row in session.connection().execute(bulk.due(status, now, wanted, full)).all()
    ]
    found.sort(key=lambda row: (row[9], row[0]))
    taken: dict[int, int] = {}
    rows = []
    for row in found:
        if len(rows) < limit and spec.take(row[3], taken):
            rows.append(row)
    if not rows:
        return []
    table = Delivery.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id.in_([row[0] for row in rows]))
        .values(claimed_until=now + lease, claimed_by=worker_id)
    )
    cache = views if views is not None else {}
    missing = {row[2] for row in rows} - set(cache)
    if missing:
        for message in session.execute(
            select(OutboxMessage).where(OutboxMessage.id.in_(missing))
        ).scalars():
            cache[message.id] = _view(message)
    return [
        Job(
            delivery_id=row[0],
            subscription_id=row[3],
            kind=row[4],
            url=row[5],
            email=row[6],
            language=row[7],
            secret=row[8],
            attempt=row[1] + 1,
            message=cache[row[2]],
        )
        for row in rows
    ]


def release(session: Session, *, delivery_ids: Sequence[int], worker_id: str) -> int:
    """Give back claims that were never attempted (a stopping worker), so others take them now."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(delivery_ids)), Delivery.claimed_by == worker_id)
        .values(claimed_until=None, claimed_by=None)
    )
    return max(result.rowcount, 0)  # type: ignore[attr-defined]


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next attempt: doubling from 2 s, capped at an hour, with jitter."""
    rng = rng or random.Random()
    raw = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    # "Equal jitter": at least half the delay, so retries spread without collapsing to zero.
    return raw / 2 + raw / 2 * rng.random()


def record(
    session: Session,
    *,
    outcomes: Sequence[Outcome],
    worker_id: str,
    window: timedelta = RETRY_WINDOW,
    rng: random.Random | None = None,
) -> dict[str, int]:
    """Store the outcomes of attempts: delivered, retrying with backoff, or dead."""
    counts = {DeliveryStatus.DELIVERED: 0, DeliveryStatus.RETRYING: 0, DeliveryStatus.DEAD: 0}
    successes = [o for o in outcomes if o.ok]
    failures = [o for o in outcomes if not o.ok]
    if successes:
        counts[DeliveryStatus.DELIVERED] += bulk.mark_delivered(session, successes, worker_id)
    if not failures:
        return counts
    by_id = {
        d.id: d
        for d in session.execute(
            select(Delivery).where(Delivery.id.in_([o.delivery_id for o in failures]))
        ).scalars()
    }
    died: list[dict[str, Any]] = []
    for outcome in failures:
        delivery = by_id.get(outcome.delivery_id)
        if delivery is None or delivery.status in FINISHED:
            continue
        if (
            delivery.claimed_by != worker_id
            and delivery.claimed_until is not None
            and delivery.claimed_until > outcome.at
        ):
            # Our lease ran out and another worker holds the delivery now; its result counts.
            continue
        delivery.attempts += 1
        delivery.last_attempt_at = outcome.at
        delivery.last_status_code = outcome.status_code
        delivery.claimed_until = None
        delivery.claimed_by = None
        delivery.last_error = (outcome.error or "failed")[:1000]
        deadline = delivery.window_start + window
        if outcome.permanent or outcome.at >= deadline:
            delivery.status = DeliveryStatus.DEAD
            delivery.dead_at = outcome.at
            counts[DeliveryStatus.DEAD] += 1
            died.append({"delivery": delivery.id, "error": delivery.last_error})
            continue
        delivery.status = DeliveryStatus.RETRYING
        # The last retry happens at the end of the window, so the window is used in full.
        delivery.next_attempt_at = min(outcome.at + backoff(delivery.attempts, rng), deadline)
        counts[DeliveryStatus.RETRYING] += 1
    session.flush()
    if died:
        audit.record(
            session,
            actor=WORKER_ACTOR,
            action="dead_letter",
            entity="delivery",
            entity_id=died[0]["delivery"],
            state={"deliveries": died},
        )
    return counts
