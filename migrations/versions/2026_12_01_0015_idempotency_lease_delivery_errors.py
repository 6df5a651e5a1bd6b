"""Idempotency keys get a lease and a commit marker; deliveries' stored answers are dropped.

``token`` names the request holding the key and ``lease_until`` ends its hold (a request that
died with its process no longer blocks the key for 24 hours); ``committed_at`` is written by
the route's own transaction, so a key is never taken over once its write was committed.

``outbox_deliveries.last_error`` held up to 200 characters of what a receiver answered
("HTTP 500: <body>"), readable by the subscription's owner: an internal service's reply when a
webhook was aimed inward. Each stored error becomes its class (``http_5xx``, ``timeout``, ...),
as the worker now writes them. (Dead-letter audit entries keep their text: the audit log is
append-only and hash-chained.)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:50:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: (LIKE pattern of the former text, class now stored), first match wins.
ERROR_CLASSES = (
    ("HTTP 4%", "http_4xx"),
    ("HTTP 5%", "http_5xx"),
    ("HTTP %", "http_other"),
    ("timeout:%", "timeout"),
    ("connection: TLS%", "tls"),
    ("connection: ConnectionRefusedError%", "connection_refused"),
    ("connection: ConnectionResetError%", "connection_reset"),
    ("connection: the%", "connection_closed"),
    ("connection: invalid HTTP%", "protocol"),
    ("connection:%", "network"),
    ("SMTP 5%", "smtp_5xx"),
    ("SMTP 4%", "smtp_4xx"),
    ("refused: %", "smtp_recipient_refused"),
    ("SMTP:%", "smtp_connection"),
    ("EPIBRIDGE_SMTP_HOST%", "smtp_not_configured"),
)
KNOWN = {kind for _, kind in ERROR_CLASSES} | {"unexpected", "failed", "refused_address"}


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("token", sa.String(32), nullable=True))
    op.add_column(
        "idempotency_keys",
        sa.Column("lease_until", epibridge.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "idempotency_keys",
        sa.Column("committed_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
    )
    # Reservations left by the old middleware (no outcome, no lease) are released now.
    op.execute("DELETE FROM idempotency_keys WHERE status_code IS NULL")
    for pattern, kind in ERROR_CLASSES:
        op.execute(
            sa.text(
                "UPDATE outbox_deliveries SET last_error = :kind WHERE last_error LIKE :pattern"
            ).bindparams(kind=kind, pattern=pattern)
        )
    op.execute(
        sa.text(
            "UPDATE outbox_deliveries SET last_error = 'unexpected' WHERE last_error IS NOT NULL "
            "AND last_error NOT IN (" + ", ".join(f"'{kind}'" for kind in sorted(KNOWN)) + ")"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("committed_at")
        batch.drop_column("lease_until")
        batch.drop_column("token")
