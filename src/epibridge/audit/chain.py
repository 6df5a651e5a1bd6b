"""The audit log's table, and how an entry is appended and hashed.

Every write appends one entry in the same transaction as the write itself, so an entry exists
exactly when the change does. Each entry's hash covers the previous entry's hash, so editing or
deleting any row behind the application's back breaks the chain at that row. Since revision
0014 the hash is an HMAC keyed with the chain key (``keys.py``), so the chain cannot be
recomputed after an edit by someone who holds the database but not the key; entries written
before keep their plain SHA-256 hash (``key_id`` NULL) and still verify.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from epibridge.audit.keys import ChainKey
from epibridge.db import AUDIT_TRAIL, Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from epibridge.audit.trail import Trail

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL advisory lock that serializes appends to the chain.
_CHAIN_LOCK_KEY = 0x45504942  # "EPIB"


class AuditEntry(Base):
    """One audited write."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    entity: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    entity_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: Id of the chain key whose HMAC ``hash`` is; NULL: plain SHA-256 (entries before 0014).
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot put {type(value).__name__} into the audit log")


def canonical_json(value: Any) -> str:
    """Serialize ``value`` the one way its digest is computed (sorted keys, no spaces)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def json_ready(value: Any) -> Any:
    """Return ``value`` as plain JSON types (dates as ISO strings), as it will be stored."""
    return json.loads(canonical_json(value))


def digest_of(value: Any) -> str:
    """SHA-256 of ``value``'s canonical JSON: what an entry's ``digest`` holds."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def entry_hash(
    key: ChainKey | None,
    *,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    digest: str,
) -> str:
    material = "|".join(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, entity, entity_id, digest]
    )
    if key is None:  # entries written before the chain was keyed
        return hashlib.sha256(material.encode()).hexdigest()
    return key.mac(material)


def trail_of(session: Session) -> Trail:
    """The audit trail (keys, checkpoints) the session's sessionmaker was made with."""
    trail = session.info.get(AUDIT_TRAIL)
    if trail is None:
        raise RuntimeError(
            "this session has no audit trail: make its sessionmaker with "
            "make_sessionmaker(engine, audit=audit.trail_for(settings))"
        )
    return trail  # type: ignore[no-any-return]


def lock_chain(session: Session) -> None:
    """Take the chain's lock now (PostgreSQL; SQLite's write lock is already the whole file).

    ``record`` takes it when the entry is written, late in a transaction. A transaction that
    inserts rows other transactions may insert too (a federation message delivered by push
    and by pull at once) takes it first, so two of them queue here instead of each holding a
    row the other waits for while waiting for the lock the other holds.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    state: Any,
) -> AuditEntry:
    """Append an entry for a write made in ``session``'s transaction.

    The entry is keyed with the trail's chain key (created on the first write); a session
    without a trail is refused rather than writing an entry that could be recomputed.
    """
    key = trail_of(session).chain_key()
    lock_chain(session)
    last_hash = session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev_hash = last_hash or GENESIS_HASH
    # Round-trip the state through JSON so what is stored is exactly what was digested.
    stored_state = json_ready(state)
    digest = digest_of(stored_state)
    at = utcnow()
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=stored_state,
        digest=digest,
        prev_hash=prev_hash,
        key_id=key.key_id,
        hash=entry_hash(
            key,
            prev_hash=prev_hash,
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            digest=digest,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


def iter_entries(session: Session, *, batch: int = 5000) -> Iterator[AuditEntry]:
    """Every entry in chain order, read in batches so a long log never sits in memory."""
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def count_entries(session: Session) -> int:
    """How many entries the log holds."""
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
