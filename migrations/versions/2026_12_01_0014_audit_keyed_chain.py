"""Audit entries name the key of their HMAC hash; older entries keep plain SHA-256.

``key_id`` NULL marks an entry hashed before the chain was keyed: it still verifies with plain
SHA-256, and ``audit verify`` refuses such an entry after a keyed one (a rewrite without the
key). No row is rewritten: the existing chain stays exactly as it was signed. A downgrade
drops the column, after which keyed entries no longer verify.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:45:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("key_id")
