"""Federation data (issue 18): each state's sharing settings, and the origin of replicas.

``federation_sharing`` holds what a state lets leave its node (observations' level, an
embargo, detection signals). Submissions, assistance requests/offers/commitments and
consultation documents/decisions/positions/signatures get ``origin_node``/``origin_id``:
NULL on local records, the origin node's id and the record's id there on read-only replicas
received from a peer.
Only columns and a table are added: no existing row changes.

Revision ID: 0033
Revises: 0031
Create Date: 2026-12-10 00:33:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0033"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = epibridge.db.UTCDateTime(timezone=True)

#: Tables that hold replicas, and whether (origin_node, origin_id) is unique in them (a
#: submission replica arrives in chunks, each its own submission with the same origin id).
REPLICA_TABLES = {
    "epidata_submissions": False,
    "assistance_requests": True,
    "assistance_offers": True,
    "assistance_commitments": True,
    "consultation_documents": True,
    "consultation_decisions": True,
    "consultation_positions": True,
    "consultation_signatures": True,
}


def upgrade() -> None:
    op.create_table(
        "federation_sharing",
        sa.Column("state_iso3", sa.String(3), primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("diseases", sa.JSON(), nullable=False),
        sa.Column("embargo_until", sa.Date(), nullable=True),
        sa.Column("embargo_since", WHEN, nullable=True),
        sa.Column("signals", sa.Boolean(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.CheckConstraint(
            "level IN ('all', 'totals', 'diseases', 'nothing')",
            name=op.f("ck_federation_sharing_level"),
        ),
        sa.PrimaryKeyConstraint("state_iso3", name=op.f("pk_federation_sharing")),
    )
    for table, unique in REPLICA_TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin_node", sa.String(64), nullable=True))
            batch.add_column(sa.Column("origin_id", sa.String(64), nullable=True))
        if unique:
            op.create_index(
                op.f(f"ix_{table}_origin"), table, ["origin_node", "origin_id"], unique=True
            )


def downgrade() -> None:
    for table, unique in REPLICA_TABLES.items():
        if unique:
            op.drop_index(op.f(f"ix_{table}_origin"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin_id")
            batch.drop_column("origin_node")
    op.drop_table("federation_sharing")
