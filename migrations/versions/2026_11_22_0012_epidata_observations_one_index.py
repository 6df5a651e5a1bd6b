"""Observations keyed by (series, period, version) with no other index, for bulk-load speed.

The surrogate ``id`` and the two partial indexes (current rows, superseded rows) made every
imported row update three B-trees; with the composite primary key alone it updates one, and
every query (latest, ``as_of``, history) still narrows by series through it. SQLite stores the
table ``WITHOUT ROWID``, so the rows live in the primary key's B-tree itself.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 21:40:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "epidata_observations"
COLUMNS = (
    "series_id, period_start, period_end, version, value, submission_id, received_at, superseded_at"
)
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("series_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", _BIGINT, nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("received_at", epibridge.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", epibridge.db.UTCDateTime(timezone=True), nullable=True),
    ]


def _drop_partial_indexes() -> None:
    op.drop_index("ix_epidata_observations_superseded", table_name=TABLE)
    op.drop_index("ux_epidata_observations_latest", table_name=TABLE)


def _create_partial_indexes() -> None:
    op.create_index(
        "ix_epidata_observations_superseded",
        TABLE,
        ["series_id", "period_start"],
        unique=False,
        postgresql_where=sa.text("superseded_at IS NOT NULL"),
        sqlite_where=sa.text("superseded_at IS NOT NULL"),
    )
    op.create_index(
        "ux_epidata_observations_latest",
        TABLE,
        ["series_id", "period_start", "period_end"],
        unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"),
        sqlite_where=sa.text("superseded_at IS NULL"),
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # WITHOUT ROWID needs a new table; the rows are copied in primary-key order.
        op.create_table(
            "epidata_observations_new",
            *_columns(),
            sa.PrimaryKeyConstraint(
                "series_id",
                "period_start",
                "period_end",
                "version",
                name=op.f("pk_epidata_observations"),
            ),
            sqlite_with_rowid=False,
        )
        op.execute(
            f"INSERT INTO epidata_observations_new ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE} "
            "ORDER BY series_id, period_start, period_end, version"
        )
        op.drop_table(TABLE)
        op.rename_table("epidata_observations_new", TABLE)
        return
    _drop_partial_indexes()
    op.drop_constraint(op.f("pk_epidata_observations"), TABLE, type_="primary")
    op.drop_column(TABLE, "id")
    op.create_primary_key(
        op.f("pk_epidata_observations"),
        TABLE,
        ["series_id", "period_start", "period_end", "version"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "epidata_observations_old",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            *_columns(),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_epidata_observations")),
        )
        op.execute(
            f"INSERT INTO epidata_observations_old ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE}"
        )
        op.drop_table(TABLE)
        op.rename_table("epidata_observations_old", TABLE)
        _create_partial_indexes()
        return
    op.drop_constraint(op.f("pk_epidata_observations"), TABLE, type_="primary")
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN id bigserial NOT NULL")
    op.create_primary_key(op.f("pk_epidata_observations"), TABLE, ["id"])
    _create_partial_indexes()
