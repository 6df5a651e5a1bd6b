"""Idempotency keys: a reservation with a lease, and the write's commit marker.

``token`` names the request holding the key and ``lease_until`` ends its hold (a request that
died with its process no longer blocks the key for 24 hours); ``committed_at`` is written by
the route's own transaction, so a key is never taken over once its write was committed.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-01 21:50:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0016"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("committed_at")
        batch.drop_column("lease_until")
        batch.drop_column("token")
