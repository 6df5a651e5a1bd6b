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
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("origin_node", sa.String(64), nullable=True))
        batch.add_column(sa.Column("origin_id", sa.String(64), nullable=True))
    op.create_index(
        op.f("ix_consultations_origin"), "consultations", ["origin_node", "origin_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consultations_origin"), table_name="consultations")
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("origin_id")
        batch.drop_column("origin_node")
