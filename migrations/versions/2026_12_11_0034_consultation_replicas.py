"""Federation (issue 18): consultations travel, held on the other nodes as read-only replicas.

``consultations`` gets ``origin_node``/``origin_id`` like the documents and decisions beside it
(migration 0033): NULL on local consultations, the convener's node and the consultation's id
there on a replica. Only columns and an index are added: no existing row changes.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-11 00:34:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite 3.35+ adds and drops columns in place): a
    # rebuilt table would rewrite the CREATE TABLE text older migrations' downgrades edit.
    op.add_column("consultations", sa.Column("origin_node", sa.String(64), nullable=True))
    op.add_column("consultations", sa.Column("origin_id", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_consultations_origin"), "consultations", ["origin_node", "origin_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consultations_origin"), table_name="consultations")
    op.drop_column("consultations", "origin_id")
    op.drop_column("consultations", "origin_node")
