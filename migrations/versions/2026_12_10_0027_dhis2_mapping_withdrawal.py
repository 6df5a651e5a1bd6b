"""The DHIS2 gateway's mapping per state, and withdrawn values in the epidemic database.

``dhis2_mappings`` holds each state's mapping of DHIS2 data elements, category option combos
and org units to epibridge's series (one JSON document per state, replaced on every load).
``epidata_observations.withdrawn`` marks a version that withdraws its key's value (DHIS2's
``importStrategy=DELETE``): readers treat the key as absent from that version on. Every row
stored before is a value, not a withdrawal: false. ``epidata_submissions.withdrawn_count``
counts the keys a submission withdrew (0 before).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-10 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from epibridge.db import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dhis2_mappings",
        sa.Column("state_iso3", sa.String(3), primary_key=True),
        sa.Column("id_scheme", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("loaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
    )
    op.add_column(
        "epidata_observations",
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "epidata_submissions",
        sa.Column("withdrawn_count", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("epidata_submissions") as batch:
        batch.drop_column("withdrawn_count")
    with op.batch_alter_table("epidata_observations") as batch:
        batch.drop_column("withdrawn")
    op.drop_table("dhis2_mappings")
