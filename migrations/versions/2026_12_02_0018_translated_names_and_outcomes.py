"""Crossing names in Russian and Chinese; decision outcomes as message ids with parameters.

``border_crossings.names`` holds a crossing's names in the other languages and where they come
from (``{"ru": {"name": ..., "name_a": ..., "name_b": ...}, "zh": {...}, "source": ...}``);
``epibridge borders load-registry`` (and ``epibridge demo load``) fills it from the shipped
registry. ``consultation_decisions.outcome_message`` holds the outcome as the message id and
parameters it was written from, so a page shows it in its reader's language; decisions closed
before keep their English ``outcome`` only, and are shown in it.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-02 08:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("border_crossings", sa.Column("names", sa.JSON(), nullable=True))
    op.add_column("consultation_decisions", sa.Column("outcome_message", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consultation_decisions") as batch:
        batch.drop_column("outcome_message")
    with op.batch_alter_table("border_crossings") as batch:
        batch.drop_column("names")
