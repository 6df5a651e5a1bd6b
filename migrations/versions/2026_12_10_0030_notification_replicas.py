"""Replicas of other nodes' notifications: where a row came from.

``origin_node`` (NULL: a record of this node) and ``origin_id`` (its id on that node) on
events, acknowledgements, verification requests, risk assessments and detection signals. A row
with an origin is a read-only replica that only a verified federation message changes; one
origin record is one row (unique pair; NULLs never collide, so local rows are unaffected).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-10 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = {
    "notification_events": "uq_notification_events_origin",
    "notification_verifications": "uq_notification_verifications_origin",
    "notification_acknowledgements": "uq_notification_acknowledgements_origin",
    "notification_risk_assessments": "uq_notification_risk_assessments_origin",
    "detection_signals": "uq_detection_signals_origin",
}


def upgrade() -> None:
    for table, constraint in _TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin_node", sa.String(64), nullable=True))
            batch.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
            batch.create_unique_constraint(constraint, ["origin_node", "origin_id"])


def downgrade() -> None:
    for table, constraint in _TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(constraint, type_="unique")
            batch.drop_column("origin_id")
            batch.drop_column("origin_node")
