"""Signed checkpoints of the chain's head, appended as JSON lines to a file outside the database.

A checkpoint says "at time T the chain held N entries and ended at entry #I with hash H",
signed with the Ed25519 checkpoint key. Whoever can change the database but not the signing key
then cannot remove entries up to a checkpoint (entry #I or the count would be missing) nor
rewrite one (H would change), and cannot forge a checkpoint for the shortened chain.
The signed message is the canonical JSON of the line without its ``signature`` (sorted keys, no
spaces; with only integers and ASCII strings it is the RFC 8785 form).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from epibridge.audit.chain import GENESIS_HASH, AuditEntry, canonical_json
from epibridge.audit.keys import CheckpointSigner
from epibridge.errors import InvalidValue
from epibridge.i18n import N_, Phrase

FORMAT = "epibridge-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Head:
    """The chain's end: how many entries, the last one's id and hash."""

    count: int
    last_id: int
    last_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """One signed head, as written to (or read from) the checkpoint file."""

    head: Head
    at: str
    key_id: str
    signature: str
    line: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "at": self.at,
            "count": self.head.count,
            "last_id": self.head.last_id,
            "last_hash": self.head.last_hash,
            "key": self.key_id,
        }

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return canonical_json(self.payload()).encode()

    def to_line(self) -> str:
        return canonical_json({**self.payload(), "signature": self.signature}) + "\n"

    def describe(self) -> str:
        return (
            f"checkpoint on line {self.line} ({self.at}: {self.head.count} entries "
            f"up to entry {self.head.last_id})"
        )


def read_head(session: Session, *, since: Head | None = None) -> Head:
    """The chain's head now, counting only entries after ``since`` when it is still there.

    Counting from the previous checkpoint keeps a checkpoint's cost independent of the log's
    length; a ``since`` whose entry is gone or changed (the chain was tampered with) falls back
    to counting everything, so the new checkpoint tells the truth either way.
    """
    base = Head(0, 0, GENESIS_HASH)
    if since is not None and since.last_id:
        kept = session.execute(
            select(AuditEntry.hash).where(AuditEntry.id == since.last_id)
        ).scalar_one_or_none()
        if kept == since.last_hash:
            base = since
    # One statement, so the count and the last id come from the same snapshot.
    added, last_id = session.execute(
        select(func.count(), func.max(AuditEntry.id)).where(AuditEntry.id > base.last_id)
    ).one()
    if not added:
        return base
    last_hash = session.execute(
        select(AuditEntry.hash).where(AuditEntry.id == last_id)
    ).scalar_one()
    return Head(base.count + added, last_id, last_hash)


def sign(head: Head, *, at: datetime, signer: CheckpointSigner) -> Checkpoint:
    """A checkpoint of ``head`` signed now."""
    unsigned = Checkpoint(
        head=head, at=at.isoformat(timespec="microseconds"), key_id=signer.key_id, signature=""
    )
    return Checkpoint(
        head=head, at=unsigned.at, key_id=signer.key_id, signature=signer.sign(unsigned.message())
    )


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line with a single ``write`` in append mode, then fsync.

    Several processes (app servers, the worker, commands) append to the same file; one small
    ``O_APPEND`` write per line keeps their lines whole and in order.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, checkpoint.to_line().encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def parse(text: str, *, line: int) -> Checkpoint:
    """Read one line of the checkpoint file; ``ValueError`` says what is wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidValue(N_("not JSON ({error})"), {"error": Phrase(exc.msg)}) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidValue(N_("not a {format} line"), {"format": FORMAT})
    count, last_id, last_hash = data.get("count"), data.get("last_id"), data.get("last_hash")
    at, key_id, signature = data.get("at"), data.get("key"), data.get("signature")
    if not (
        isinstance(count, int)
        and isinstance(last_id, int)
        and count >= 0
        and last_id >= 0
        and isinstance(last_hash, str)
        and _HEX64.fullmatch(last_hash)
        and all(isinstance(v, str) for v in (at, key_id, signature))
    ):
        raise InvalidValue(N_("missing or malformed fields"))
    return Checkpoint(Head(count, last_id, last_hash), at, key_id, signature, line)


def read_lines(path: Path) -> list[tuple[int, str]]:
    """The file's non-blank lines with their numbers (1-based); none if there is no file."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace") as stream:
        return [(n, text) for n, text in enumerate(stream, start=1) if text.strip()]
