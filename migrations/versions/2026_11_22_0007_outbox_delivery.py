"""Outbox delivery: subscriptions and one delivery row per message and subscriber, so none is lost.

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-22 18:59:31.692881+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0007"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_subscriptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("include_exercises", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_subscriptions")),
    )
    with op.batch_alter_table("outbox_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_subscriptions_owner_user_id"), ["owner_user_id"], unique=False
        )

    op.create_table(
        "outbox_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_start", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", epibridge.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("last_attempt_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("delivered_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dead_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_deliveries_message_id_outbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["outbox_subscriptions.id"],
            name=op.f("fk_outbox_deliveries_subscription_id_outbox_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint("message_id", "subscription_id", name="uq_outbox_deliveries_pair"),
    )
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_deliveries_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_deliveries_subscription_id"))
        batch_op.drop_index("ix_outbox_deliveries_due")

    op.drop_table("outbox_deliveries")
    with op.batch_alter_table("outbox_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_subscriptions_owner_user_id"))

    op.drop_table("outbox_subscriptions")
