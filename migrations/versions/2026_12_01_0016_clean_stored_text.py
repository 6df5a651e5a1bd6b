"""Remove, from texts already stored, the characters no stored text may hold any more.

Until now a title with U+0001 was accepted, and from then on the public Atom feed and the
event's CAP alert answered 500 for every reader: XML 1.0 cannot carry it. The entrances now
refuse such characters (``epibridge.text``); this revision removes them from rows stored
before, so the feeds work again without anyone editing the rows by hand.

Every table's text and JSON columns are scanned (reflected, so the revision does not depend on
today's models), except the audit log (append-only and hash-chained: its entries are the
record of what was sent, and rewriting them would break the chain), the Alembic table and the
idempotency keys (short-lived replays). Primary-key columns are left alone. Each changed row
gets one audit entry, by ``system:migration-0016``, naming the columns cleaned and how many
characters went: the removed characters themselves are not stored (NUL cannot be). There is
no downgrade: the removed characters are gone.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.orm import Session

from epibridge import audit, db
from epibridge.text import clean

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "system:migration-0016"
SKIPPED = frozenset({"audit_log", "alembic_version", "idempotency_keys"})


def _cleaned(value: Any) -> tuple[Any, int]:
    """``value`` with refused characters removed from every string in it, and how many went."""
    if isinstance(value, str):
        out = clean(value)
        return out, len(value) - len(out)
    if isinstance(value, list):
        pairs = [_cleaned(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        result, removed = {}, 0
        for key, item in value.items():
            new_key, n_key = _cleaned(key)
            new_item, n_item = _cleaned(item)
            result[new_key] = new_item
            removed += n_key + n_item
        return result, removed
    return value, 0


def _text_columns(inspector: sa.Inspector, table: str) -> tuple[list[str], list[str]]:
    keys = inspector.get_pk_constraint(table)["constrained_columns"]
    texts = [
        c["name"]
        for c in inspector.get_columns(table)
        if isinstance(c["type"], sa.String | sa.Text | sa.JSON) and c["name"] not in keys
    ]
    return keys, texts


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    metadata = sa.MetaData()
    changes: list[tuple[sa.Table, dict[str, Any], dict[str, Any], dict[str, int]]] = []
    for name in sorted(set(inspector.get_table_names()) - SKIPPED):
        keys, texts = _text_columns(inspector, name)
        if not keys or not texts:
            continue
        table = sa.Table(name, metadata, autoload_with=bind)
        query = sa.select(*[table.c[k] for k in keys], *[table.c[t] for t in texts])
        for row in bind.execute(query).mappings():
            updates, removed = {}, {}
            for column in texts:
                value, count = _cleaned(row[column])
                if count:
                    updates[column], removed[column] = value, count
            if updates:
                changes.append((table, {k: row[k] for k in keys}, updates, removed))
    if not changes:
        return
    trail = context.config.attributes.get("audit_trail")
    if trail is None:
        raise RuntimeError(
            "this revision writes keyed audit entries: run it with `epibridge db upgrade`, "
            "which hands it the deployment's audit trail"
        )
    session = Session(bind=bind, info={db.AUDIT_TRAIL: trail})
    for table, key, updates, removed in changes:
        where = sa.and_(*[table.c[k] == v for k, v in key.items()])
        session.execute(table.update().where(where).values(**updates))
        audit.record(
            session,
            actor=ACTOR,
            action="clean_text",
            entity=table.name,
            entity_id=",".join(str(v) for v in key.values()),
            state={"removed_characters": removed},
        )
    session.flush()
    session.close()


def downgrade() -> None:
    """Nothing to undo: the removed characters cannot be put back."""
