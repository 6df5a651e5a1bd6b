"""Set-at-a-time statements of the delivery queue, one per batch whatever its size.

On PostgreSQL each column travels as one array (``unnest``): a multi-row VALUES list or an
``executemany`` of thousands of parameters costs psycopg more CPU to prepare than the statement
takes to run. On SQLite the rows travel as one JSON array (``json_each``): SQLAlchemy's
per-row parameter processing (four timestamps a row) cost more than SQLite's work, inside the
database's only write lock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Integer, Select, String, bindparam, or_, select, text
from sqlalchemy.orm import Session

from epibridge.db import UTCDateTime
from epibridge.notifications.outbox.jobs import Outcome
from epibridge.notifications.outbox.models import Delivery, Subscription
from epibridge.notifications.outbox.statuses import DeliveryStatus


def due(status: str, now: datetime, limit: int, full: Sequence[int]) -> Select[Any]:
    """Due, unclaimed deliveries of one status, oldest first, locked for this claim.

    Read in the order of the (status, next_attempt_at) index and stopped at ``limit``, with
    the subscription's sending columns; ``full`` subscriptions are left out.
    """
    query = (
        select(
            Delivery.id,
            Delivery.attempts,
            Delivery.message_id,
            Subscription.id,
            Subscription.kind,
            Subscription.url,
            Subscription.email,
            Subscription.language,
            Subscription.secret,
            Delivery.next_attempt_at,
        )
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(
            Delivery.status == status,
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            Subscription.active.is_(True),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    if full:
        query = query.where(Delivery.subscription_id.not_in(full))
    return query


def insert_deliveries(
    session: Session, rows: list[dict[str, Any]], *, returning: bool
) -> list[int]:
    """Insert delivery rows in one statement; with ``returning``, their ids in row order."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        columns = {
            name: [row[name] for row in rows]
            for name in ("message_id", "subscription_id", "claimed_until", "claimed_by")
        }
        found = session.execute(
            _PG_INSERT, {**columns, "status": DeliveryStatus.PENDING, "now": rows[0]["created_at"]}
        ).all()
    else:
        packed = [
            [
                r["message_id"],
                r["subscription_id"],
                _sqlite_time(r["claimed_until"]),
                r["claimed_by"],
            ]
            for r in rows
        ]
        found = session.execute(
            _SQLITE_INSERT,
            {
                "rows": json.dumps(packed),
                "status": DeliveryStatus.PENDING,
                "now": rows[0]["created_at"],
            },
        ).all()
    if not returning:
        return []
    by_pair = {(message_id, subscription_id): id_ for id_, message_id, subscription_id in found}
    return [by_pair[(row["message_id"], row["subscription_id"])] for row in rows]


_PG_INSERT = text(
    """
    INSERT INTO outbox_deliveries (message_id, subscription_id, status, attempts, created_at,
        window_start, next_attempt_at, claimed_until, claimed_by)
    SELECT m, s, :status, 0, :now, :now, :now, cu, cb
    FROM unnest(:message_id, :subscription_id, :claimed_until, :claimed_by) AS r(m, s, cu, cb)
    RETURNING id, message_id, subscription_id
    """
).bindparams(
    bindparam("message_id", type_=ARRAY(String)),
    bindparam("subscription_id", type_=ARRAY(BigInteger)),
    bindparam("claimed_until", type_=ARRAY(UTCDateTime())),
    bindparam("claimed_by", type_=ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)


_SQLITE_INSERT = text(
    """
    INSERT INTO outbox_deliveries (message_id, subscription_id, status, attempts, created_at,
        window_start, next_attempt_at, claimed_until, claimed_by)
    SELECT value ->> 0, value ->> 1, :status, 0, :now, :now, :now, value ->> 2, value ->> 3
    FROM json_each(:rows)
    RETURNING id, message_id, subscription_id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def _sqlite_time(value: datetime | None) -> str | None:
    """A timestamp as SQLAlchemy stores ``UTCDateTime`` on SQLite (UTC, no offset)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def mark_delivered(session: Session, successes: Sequence[Outcome], worker_id: str) -> int:
    """Mark successful attempts delivered in one statement, without loading the rows."""
    if session.get_bind().dialect.name == "postgresql":
        # One array per column: one small statement whatever the batch size.
        result = session.execute(
            _PG_DELIVERED,
            {
                "ids": [o.delivery_id for o in successes],
                "ats": [o.at for o in successes],
                "codes": [o.status_code for o in successes],
                "worker": worker_id,
            },
        )
        return max(result.rowcount, 0)  # type: ignore[attr-defined]
    # The driver's executemany loops in C over plain tuples (a join against json_each would
    # not use the primary key: SQLite scans the table for each row instead).
    params = [(_sqlite_time(o.at), o.status_code, worker_id, o.delivery_id) for o in successes]
    result = session.connection().exec_driver_sql(_SQLITE_DELIVERED, params)
    return max(result.rowcount, 0)


_SQLITE_DELIVERED = """
    UPDATE outbox_deliveries
    SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?1, delivered_at = ?1,
        last_status_code = ?2, last_error = NULL, claimed_until = NULL, claimed_by = ?3
    WHERE id = ?4 AND status IN ('pending', 'retrying')
"""


_PG_DELIVERED = text(
    """
    UPDATE outbox_deliveries AS d
    SET status = 'delivered', attempts = d.attempts + 1, last_attempt_at = o.at,
        delivered_at = o.at, last_status_code = o.code, last_error = NULL,
        claimed_until = NULL, claimed_by = :worker
    FROM unnest(:ids, :ats, :codes) AS o(id, at, code)
    WHERE d.id = o.id AND d.status IN ('pending', 'retrying')
    """
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    bindparam("ats", type_=ARRAY(UTCDateTime())),
    bindparam("codes", type_=ARRAY(Integer)),
)
