"""A consultation can be closed, with who closed it, when, how it ended and why.

The status CHECK lists the new value ``closed``; four nullable columns record the closing:
``closed_at``, ``closed_by``, ``closing_outcome`` (``adopted``, ``no_consensus``,
``withdrawn``, with its own CHECK) and ``closing_reason``. Rows stored before stay as they are
(no consultation was closed before).

On SQLite the table is not rebuilt (Alembic's batch copy), for the reason 0020 gives: dropping
the old ``consultations`` in the migration's transaction, with foreign keys on, would cascade to
every participant, document, version, decision and signature. The columns are added with
``ALTER TABLE ADD COLUMN`` (the outcome's CHECK written on its column, which SQLite checks
against the existing rows, all NULL); the status CHECK only gains a value, which loosens it and
is made by editing the stored CREATE TABLE text as 0020 does ("Making Other Kinds Of Table
Schema Changes", https://www.sqlite.org/lang_altertable.html).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09 10:00:00.000000+00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import epibridge.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "consultations"
STATUS_CHECK = "ck_consultations_status"
OUTCOME_CHECK = "ck_consultations_closing_outcome"
BEFORE = "status IN ('requested', 'declined', 'open')"
AFTER = "status IN ('requested', 'declined', 'open', 'closed')"
OUTCOME = "closing_outcome IS NULL OR closing_outcome IN ('adopted', 'no_consensus', 'withdrawn')"
PLAIN_COLUMNS = ("closed_at", "closed_by", "closing_reason")


def _plain_column(name: str) -> sa.Column[object]:
    kind = {
        "closed_at": epibridge.db.UTCDateTime(timezone=True),
        "closed_by": sa.String(length=200),
        "closing_reason": sa.Text(),
    }[name]
    return sa.Column(name, kind, nullable=True)


def _edit_sqlite_schema(bind: sa.Connection, edits: list[tuple[str, str]]) -> None:
    """Rewrite the stored CREATE TABLE; each pattern must match exactly once."""
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": TABLE},
    ).scalar_one()
    for pattern, replacement in edits:
        sql, found = re.subn(pattern, replacement, sql)
        if found != 1:
            raise RuntimeError(f"{TABLE}: expected one match of {pattern!r}, found {found}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {"sql": sql, "name": TABLE},
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    bind = op.get_bind()
    for name in PLAIN_COLUMNS:
        op.add_column(TABLE, _plain_column(name))
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(
            f"ALTER TABLE {TABLE} ADD COLUMN closing_outcome VARCHAR(16) "
            f"CONSTRAINT {OUTCOME_CHECK} CHECK ({OUTCOME})"
        )
        _edit_sqlite_schema(bind, [(re.escape(f"CHECK ({BEFORE})"), f"CHECK ({AFTER})")])
        return
    op.add_column(TABLE, sa.Column("closing_outcome", sa.String(length=16), nullable=True))
    op.create_check_constraint(op.f(OUTCOME_CHECK), TABLE, OUTCOME)
    op.drop_constraint(op.f(STATUS_CHECK), TABLE, type_="check")
    op.create_check_constraint(op.f(STATUS_CHECK), TABLE, AFTER)


def downgrade() -> None:
    bind = op.get_bind()
    # What was closed was open before closing existed; its closing is kept in the audit log.
    op.execute(sa.text(f"UPDATE {TABLE} SET status = 'open' WHERE status = 'closed'"))
    if bind.dialect.name == "sqlite":
        _edit_sqlite_schema(
            bind,
            [
                (re.escape(f" CONSTRAINT {OUTCOME_CHECK} CHECK ({OUTCOME})"), ""),
                (re.escape(f"CHECK ({AFTER})"), f"CHECK ({BEFORE})"),
            ],
        )
        for name in ("closing_outcome", *PLAIN_COLUMNS):
            bind.exec_driver_sql(f"ALTER TABLE {TABLE} DROP COLUMN {name}")
        return
    op.drop_constraint(op.f(STATUS_CHECK), TABLE, type_="check")
    op.create_check_constraint(op.f(STATUS_CHECK), TABLE, BEFORE)
    op.drop_constraint(op.f(OUTCOME_CHECK), TABLE, type_="check")
    op.drop_column(TABLE, "closing_outcome")
    for name in PLAIN_COLUMNS:
        op.drop_column(TABLE, name)
