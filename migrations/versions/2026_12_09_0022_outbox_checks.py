"""CHECK constraints on the outbox's two vocabularies: a delivery's status, a subscription's kind.

The outbox tables were created without them, so only the code kept ``outbox_deliveries.status``
and ``outbox_subscriptions.kind`` closed. The constraints are the ones the models now write
from the enums (``db.check_in``); ``tests/test_vocabularies.py`` compares them.

A row with another value would make the constraint fail on PostgreSQL and be silently
accepted on SQLite, so the migration first counts such rows and stops naming the column.

On SQLite the tables are not rebuilt (Alembic's batch copy): the migration runs in one
transaction with foreign keys on, where dropping the old ``outbox_subscriptions`` would meet
the deliveries that point at it. The CHECK is added to the stored CREATE TABLE text, which
SQLite reads again when the schema version changes; its rows were checked just before
("Making Other Kinds Of Table Schema Changes", https://www.sqlite.org/lang_altertable.html).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-09 10:00:00.000000+00:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column, the values allowed), as ``notifications.outbox.statuses`` has them today.
CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("outbox_deliveries", "status", ("pending", "retrying", "delivered", "dead")),
    ("outbox_subscriptions", "kind", ("webhook", "email")),
)


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _refuse_other_values(
    bind: sa.Connection, table: str, column: str, values: tuple[str, ...]
) -> None:
    others = bind.execute(
        sa.text(f"SELECT COUNT(*) FROM {table} WHERE NOT ({_condition(column, values)})")
    ).scalar_one()
    if others:
        raise RuntimeError(
            f"{table}.{column}: {others} row(s) hold a value outside {list(values)}; "
            "correct them before this migration"
        )


def _edit_sqlite_schema(bind: sa.Connection, table: str, edit: re.Pattern[str], to: str) -> None:
    """Rewrite the stored CREATE TABLE; the pattern must match exactly once."""
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    sql, found = edit.subn(to, sql)
    if found != 1:
        raise RuntimeError(f"{table}: expected one match of {edit.pattern!r}, found {found}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {"sql": sql, "name": table},
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    bind = op.get_bind()
    for table, column, values in CHECKS:
        _refuse_other_values(bind, table, column, values)
        name = f"ck_{table}_{column}"
        condition = _condition(column, values)
        if bind.dialect.name == "sqlite":
            # Before the table's closing parenthesis, as SQLAlchemy writes a table constraint.
            clause = f",\n\tCONSTRAINT {name} CHECK ({condition})\n)"
            _edit_sqlite_schema(bind, table, re.compile(r"\s*\)\s*$"), clause)
        else:
            op.create_check_constraint(op.f(name), table, condition)


def downgrade() -> None:
    bind = op.get_bind()
    for table, column, values in CHECKS:
        name = f"ck_{table}_{column}"
        if bind.dialect.name == "sqlite":
            clause = rf",\s*CONSTRAINT {name} CHECK \({re.escape(_condition(column, values))}\)"
            _edit_sqlite_schema(bind, table, re.compile(clause), "")
        else:
            op.drop_constraint(op.f(name), table, type_="check")
