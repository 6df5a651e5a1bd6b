"""Preparedness (issue 17, points 3 to 5): WHO's determination on an event (none, PHEIC,
pandemic emergency, under the IHR as amended in 2024), the focal-point directory's entries,
and communication tests with each state's answer.

Only new tables: no existing table is rebuilt or altered.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-09 00:25:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = epibridge.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_who_determinations",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("determination", sa.String(length=32), nullable=False),
        sa.Column("determined_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "determination IN ('none', 'pheic', 'pandemic_emergency')",
            name=op.f("ck_notification_who_determinations_determination"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["notification_events.id"],
            name=op.f("fk_notification_who_determinations_event_id_notification_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_notification_who_determinations")),
    )
    op.create_index(
        op.f("ix_notification_who_determinations_determination"),
        "notification_who_determinations",
        ["determination"],
        unique=False,
    )
    op.create_table(
        "ihr_directory_entries",
        sa.Column("state_iso3", sa.String(length=3), nullable=False),
        sa.Column("focal_point_name", sa.String(length=300), nullable=True),
        sa.Column("focal_point_email", sa.String(length=320), nullable=True),
        sa.Column("duty_phone", sa.String(length=64), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("authority_name", sa.String(length=300), nullable=True),
        sa.Column("authority_email", sa.String(length=320), nullable=True),
        sa.Column("authority_phone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["state_iso3"],
            ["states.iso3"],
            name=op.f("fk_ihr_directory_entries_state_iso3_states"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_iso3", name=op.f("pk_ihr_directory_entries")),
    )
    op.create_table(
        "communication_tests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("launched_at", WHEN, nullable=False),
        sa.Column("launched_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_tests")),
    )
    op.create_table(
        "communication_test_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=False),
        sa.Column("acknowledged_at", WHEN, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["communication_tests.id"],
            name=op.f("fk_communication_test_answers_test_id_communication_tests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_test_answers")),
        sa.UniqueConstraint("test_id", "state", name="uq_communication_test_answer"),
    )
    op.create_index(
        op.f("ix_communication_test_answers_test_id"),
        "communication_test_answers",
        ["test_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_communication_test_answers_test_id"), table_name="communication_test_answers"
    )
    op.drop_table("communication_test_answers")
    op.drop_table("communication_tests")
    op.drop_table("ihr_directory_entries")
    op.drop_index(
        op.f("ix_notification_who_determinations_determination"),
        table_name="notification_who_determinations",
    )
    op.drop_table("notification_who_determinations")
