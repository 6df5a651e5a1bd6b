"""Set-at-a-time statements of the delivery queue, one per batch whatever its size.

On PostgreSQL each column travels as one array (``unnest``): a multi-row VALUES list or an
``executemany`` of thousands of parameters costs psycopg more CPU to prepare than the statement
takes to run. SQLite runs the portable form (its ``executemany`` loops in C).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Integer, String, bindparam, insert, or_, text, update
from sqlalchemy.orm import Session

from epibridge.db import UTCDateTime
from epibridge.notifications.outbox.jobs import DELIVERED, PENDING, RETRYING, Outcome
from epibridge.notifications.outbox.models import Delivery


def insert_deliveries(
    session: Session, rows: list[dict[str, Any]], *, returning: bool
) -> list[int]:
    """Insert delivery rows in one statement; with ``returning``, their ids in row order.

    On PostgreSQL the rows travel as one array per column (``unnest``): a multi-row VALUES of
    thousands of parameters costs the driver more CPU to prepare than the insert itself.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        if not returning:
            session.execute(insert(Delivery), rows)
            return []
        statement = insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows).scalars())
    columns = {
        name: [row[name] for row in rows]
        for name in ("message_id", "subscription_id", "claimed_until", "claimed_by")
    }
    found = session.execute(
        _PG_INSERT, {**columns, "status": PENDING, "now": rows[0]["created_at"]}
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
    table = Delivery.__table__
    result = session.connection().execute(
        update(table)
        .where(
            table.c.id == bindparam("delivery_id"),
            or_(table.c.status == PENDING, table.c.status == RETRYING),
        )
        .values(
            status=DELIVERED,
            attempts=table.c.attempts + 1,
            last_attempt_at=bindparam("at"),
            delivered_at=bindparam("at"),
            last_status_code=bindparam("status_code"),
            last_error=None,
            claimed_until=None,
            claimed_by=worker_id,
        ),
        [
            {"delivery_id": o.delivery_id, "at": o.at, "status_code": o.status_code}
            for o in successes
        ],
    )
    return max(result.rowcount, 0)  # type: ignore[attr-defined]


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
