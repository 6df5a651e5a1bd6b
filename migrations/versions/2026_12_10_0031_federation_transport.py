"""Federation transport: the signed log, the exporter's cursor, the peers' bookkeeping.

``federation_log`` holds every message this node sends or relays, ordered by ``seq`` (what
peers push and pull by); ``federation_export_cursor`` and ``federation_exported`` say how far
the outbox was read; ``federation_peers`` keeps per peer what was pushed, pulled, when it last
answered and its failures; ``federation_rejections`` the messages a peer refused for good.
Nothing is read from these tables while no federation is set up.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-10 10:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from epibridge.db import UTCDateTime

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "federation_log",
        sa.Column("seq", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("origin_node", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("states", sa.JSON(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("logged_at", UTCDateTime(), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_federation_log")),
        sa.UniqueConstraint("message_id", name=op.f("uq_federation_log_message_id")),
    )
    op.create_table(
        "federation_export_cursor",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("position", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_federation_export_cursor")),
    )
    op.create_table(
        "federation_exported",
        sa.Column("outbox_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name=op.f("pk_federation_exported")),
    )
    op.create_index("ix_federation_exported_created_at", "federation_exported", ["created_at"])
    op.create_table(
        "federation_peers",
        sa.Column("node_id", sa.String(64), nullable=False),
        sa.Column("pushed_seq", _BIG_ID, nullable=False),
        sa.Column("pulled_seq", _BIG_ID, nullable=False),
        sa.Column("peer_head", _BIG_ID, nullable=False),
        sa.Column("last_contact", UTCDateTime(), nullable=True),
        sa.Column("last_attempt", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_federation_peers")),
    )
    op.create_table(
        "federation_rejections",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("node_id", sa.String(64), nullable=False),
        sa.Column("seq", _BIG_ID, nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_rejections")),
    )
    op.create_index("ix_federation_rejections_node_id", "federation_rejections", ["node_id"])


def downgrade() -> None:
    op.drop_index("ix_federation_rejections_node_id", table_name="federation_rejections")
    op.drop_table("federation_rejections")
    op.drop_table("federation_peers")
    op.drop_index("ix_federation_exported_created_at", table_name="federation_exported")
    op.drop_table("federation_exported")
    op.drop_table("federation_export_cursor")
    op.drop_table("federation_log")
