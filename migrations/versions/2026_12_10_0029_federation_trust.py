"""Federation: nodes, their public keys, signed trust lists, seen and refused messages.

Nothing changes for a deployment without federation: the tables stay empty until
``epibridge federation init``.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-10 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from epibridge.db import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_nodes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("state", sa.String(3), nullable=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('hub', 'national')", name=op.f("ck_federation_nodes_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_nodes")),
        sa.UniqueConstraint("node_id", name=op.f("uq_federation_nodes_node_id")),
    )
    op.create_table(
        "federation_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node_pk", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("jwk", sa.JSON(), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("not_after", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["node_pk"],
            ["federation_nodes.id"],
            name=op.f("fk_federation_keys_node_pk_federation_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_federation_keys_kid")),
    )
    op.create_index(op.f("ix_federation_keys_node_pk"), "federation_keys", ["node_pk"])
    op.create_table(
        "federation_trust_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("stored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_trust_lists")),
        sa.UniqueConstraint("version", name=op.f("uq_federation_trust_lists_version")),
    )
    op.create_table(
        "federation_seen_messages",
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("origin_node", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_federation_seen_messages")),
    )
    op.create_index(
        op.f("ix_federation_seen_messages_received_at"),
        "federation_seen_messages",
        ["received_at"],
    )
    op.create_table(
        "federation_refused_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("claimed_origin", sa.String(100), nullable=True),
        sa.Column("kid", sa.String(100), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_refused_messages")),
    )
    op.create_index(
        op.f("ix_federation_refused_messages_at"), "federation_refused_messages", ["at"]
    )


def downgrade() -> None:
    op.drop_table("federation_refused_messages")
    op.drop_table("federation_seen_messages")
    op.drop_table("federation_trust_lists")
    op.drop_table("federation_keys")
    op.drop_table("federation_nodes")
