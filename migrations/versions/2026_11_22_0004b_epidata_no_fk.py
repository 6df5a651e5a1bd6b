"""Drop the observations' foreign keys: checking them row by row made bulk imports ten times slower.

Revision ID: 0004b
Revises: 0004
Create Date: 2026-11-22 19:34:12.162405+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004b"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("epidata_observations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_epidata_observations_series_id_epidata_series"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_epidata_observations_submission_id_epidata_submissions"),
            type_="foreignkey",
        )


def downgrade() -> None:
    with op.batch_alter_table("epidata_observations", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_epidata_observations_submission_id_epidata_submissions"),
            "epidata_submissions",
            ["submission_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_epidata_observations_series_id_epidata_series"),
            "epidata_series",
            ["series_id"],
            ["id"],
        )
