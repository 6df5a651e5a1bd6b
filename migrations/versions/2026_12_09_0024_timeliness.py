"""7-1-7 timeliness: milestones, early response actions, bottlenecks and enablers per event.

Three new tables beside ``notification_events``; nothing existing changes.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-09 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ", ".join(
    f"'{value}'"
    for value in (
        "investigation",
        "epi_analysis",
        "lab_confirmation",
        "case_management",
        "countermeasures",
        "risk_communication",
        "coordination",
    )
)
CATEGORIES = ", ".join(
    f"'{value}'"
    for value in (
        "health_seeking",
        "clinician_knowledge",
        "surveillance",
        "laboratory",
        "workforce",
        "coordination",
        "financing",
        "logistics",
        "risk_communication",
        "data_systems",
        "policy",
        "other",
    )
)


def _event_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["event_id"],
        ["notification_events.id"],
        name=op.f(f"fk_{table}_event_id_notification_events"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "timeliness_milestones",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("emergence_date", sa.Date(), nullable=True),
        sa.Column("emergence_source", sa.Text(), nullable=True),
        sa.Column("national_notification_date", sa.Date(), nullable=True),
        sa.Column("national_notification_source", sa.Text(), nullable=True),
        sa.Column("updated_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        _event_fk("timeliness_milestones"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_timeliness_milestones")),
    )
    op.create_table(
        "timeliness_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(f"action IN ({ACTIONS})", name=op.f("ck_timeliness_actions_action")),
        sa.CheckConstraint(
            "outcome IN ('completed', 'not_needed')", name=op.f("ck_timeliness_actions_outcome")
        ),
        _event_fk("timeliness_actions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeliness_actions")),
        sa.UniqueConstraint("event_id", "action", name=op.f("uq_timeliness_actions_event_id")),
    )
    with op.batch_alter_table("timeliness_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeliness_actions_event_id"), ["event_id"])

    op.create_table(
        "timeliness_factors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('bottleneck', 'enabler')", name=op.f("ck_timeliness_factors_kind")
        ),
        sa.CheckConstraint(
            "stage IN ('detect', 'notify', 'respond')", name=op.f("ck_timeliness_factors_stage")
        ),
        sa.CheckConstraint(
            f"category IN ({CATEGORIES})", name=op.f("ck_timeliness_factors_category")
        ),
        _event_fk("timeliness_factors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeliness_factors")),
    )
    with op.batch_alter_table("timeliness_factors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeliness_factors_event_id"), ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("timeliness_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeliness_factors_event_id"))
    op.drop_table("timeliness_factors")
    with op.batch_alter_table("timeliness_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeliness_actions_event_id"))
    op.drop_table("timeliness_actions")
    op.drop_table("timeliness_milestones")
