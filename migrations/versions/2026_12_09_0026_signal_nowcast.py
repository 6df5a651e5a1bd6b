"""A signal says whether its run computed on counts corrected for reporting delay.

``detection_signals.nowcast`` is true when the series the method judged had its incomplete
periods replaced by the nowcast median (``epibridge detect run --nowcast``, or the schedule
with ``EPIBRIDGE_DETECTION_NOWCAST``). Signals stored before were computed on the counts as
reported: false.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "detection_signals",
        sa.Column("nowcast", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("detection_signals") as batch:
        batch.drop_column("nowcast")
