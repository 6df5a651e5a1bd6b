"""Event counts may be "not reported"; a draft may be discarded.

Until now an event's four counts were NOT NULL with a default of 0, so a count nobody gave was
stored, shown and exported in CAP as 0 cases: a statement the state never made. The columns are
now nullable and NULL means "not reported". Rows stored before keep their zeros: nothing tells a
zero that was typed from one that was defaulted, and guessing would change what was notified.

A draft its state decides not to notify is now ``discarded`` (kept with its reason, never
deleted, so the audit trail and the detection signal that opened it still point at it): the
status CHECK constraint lists the new value.

On SQLite the table is not rebuilt (Alembic's batch copy): the migration runs in one
transaction with foreign keys on, where dropping the old ``notification_events`` would cascade
to every version, acknowledgement and comment. Both changes only loosen constraints, which
SQLite documents as safe to make by editing the stored CREATE TABLE text ("Making Other Kinds
Of Table Schema Changes", https://www.sqlite.org/lang_altertable.html).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-08 10:00:00.000000+00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "notification_events"
CHECK = "ck_notification_events_status"
COUNTS = ("suspected_cases", "probable_cases", "confirmed_cases", "deaths")
BEFORE = "status IN ('draft', 'notified', 'updated', 'closed')"
AFTER = "status IN ('draft', 'notified', 'updated', 'closed', 'discarded')"


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


def _change(*, nullable: bool, check: str, old_check: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        edits = [
            (
                rf"\b({name} INTEGER)( NOT NULL)?(?=\s*,)",
                rf"\1{'' if nullable else ' NOT NULL'}",
            )
            for name in COUNTS
        ]
        edits.append((re.escape(f"CHECK ({old_check})"), f"CHECK ({check})"))
        _edit_sqlite_schema(bind, edits)
        return
    for name in COUNTS:
        op.alter_column(TABLE, name, existing_type=sa.Integer(), nullable=nullable)
    op.drop_constraint(op.f(CHECK), TABLE, type_="check")
    op.create_check_constraint(op.f(CHECK), TABLE, check)


def upgrade() -> None:
    _change(nullable=True, check=AFTER, old_check=BEFORE)


def downgrade() -> None:
    op.execute(sa.text(f"UPDATE {TABLE} SET status = 'draft' WHERE status = 'discarded'"))
    for name in COUNTS:
        op.execute(sa.text(f"UPDATE {TABLE} SET {name} = 0 WHERE {name} IS NULL"))
    _change(nullable=False, check=BEFORE, old_check=AFTER)
