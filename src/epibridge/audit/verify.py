"""Checking the audit log: the keyed chain, every checkpoint's signature, and every signed head.

The chain alone catches an edit or a removal in the middle; its key catches a rewrite that
recomputes the later hashes; the checkpoints catch a removed tail, up to the latest one.
Entries written after the latest checkpoint can still be removed unnoticed (see README).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from epibridge.audit import checkpoints
from epibridge.audit.chain import (
    GENESIS_HASH,
    AuditEntry,
    digest_of,
    entry_hash,
    iter_entries,
    trail_of,
)
from epibridge.audit.checkpoints import Checkpoint
from epibridge.audit.keys import CHAIN_KEY_FILE, ChainKey, load_chain_key, load_verifier
from epibridge.audit.trail import Trail


@dataclass(frozen=True)
class ChainBreak:
    """The first entry whose stored values do not match the chain."""

    entry_id: int
    reason: str

    def message(self) -> str:
        return f"audit chain broken at entry {self.entry_id}: {self.reason}"


@dataclass(frozen=True)
class CheckpointProblem:
    """A checkpoint line that is not genuine, or whose signed head the chain no longer holds."""

    line: int
    reason: str
    checkpoint: Checkpoint | None = None

    def message(self) -> str:
        if self.checkpoint is not None:
            return f"audit {self.checkpoint.describe()}: {self.reason}"
        if self.line:
            return f"audit checkpoint on line {self.line}: {self.reason}"
        return f"audit checkpoints: {self.reason}"


Problem = ChainBreak | CheckpointProblem


@dataclass
class Verification:
    """What ``verify`` found: entries and checkpoints checked, and every problem."""

    entries: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    last_id: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def latest(self) -> Checkpoint | None:
        """The checkpoint covering the most entries."""
        return max(self.checkpoints, key=lambda c: c.head.last_id, default=None)

    @property
    def uncovered(self) -> int:
        """Entries after the latest checkpoint: the window a removed tail goes unnoticed."""
        latest = self.latest
        return self.entries - (latest.head.count if latest else 0)


def _break_reason(
    entry: AuditEntry, *, expected_prev: str, key: ChainKey | None, keyed_before: bool, keys: str
) -> str | None:
    """Why ``entry`` does not belong to the chain, or None when it does."""
    if entry.prev_hash != expected_prev:
        return "its previous-hash does not match the entry before it (row removed or edited)"
    if digest_of(entry.detail) != entry.digest:
        return "its recorded state does not match its digest"
    if entry.key_id is None and keyed_before:
        return (
            "it carries a plain SHA-256 hash after keyed entries: rewritten by someone without "
            "the chain key"
        )
    if entry.key_id is not None and key is None:
        return f"it is keyed with chain key {entry.key_id}, but {keys} does not exist"
    if entry.key_id is not None and key is not None and entry.key_id != key.key_id:
        return (
            f"it names chain key {entry.key_id}, not this deployment's key {key.key_id} "
            "(rewritten with another key, or the wrong key file)"
        )
    recomputed = entry_hash(
        key if entry.key_id is not None else None,
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        digest=entry.digest,
    )
    if recomputed != entry.hash:
        keyed = " under the chain key (rewritten without it?)" if entry.key_id else ""
        return f"its hash does not match its contents{keyed}"
    return None


def _head_problems(entry: AuditEntry, count: int, signed: list[Checkpoint]) -> list[Problem]:
    """Checkpoints whose head is ``entry`` (the ``count``-th) but signed another hash or count."""
    problems: list[Problem] = []
    for checkpoint in signed:
        if checkpoint.head.last_hash != entry.hash:
            reason = (
                f"entry {entry.id} now has hash {entry.hash[:16]}…, the checkpoint signed "
                f"{checkpoint.head.last_hash[:16]}…: entries up to it were rewritten or removed "
                "and replaced"
            )
        elif checkpoint.head.count != count:
            reason = (
                f"the chain holds {count} entries up to entry {entry.id}, the checkpoint "
                f"signed {checkpoint.head.count}"
            )
        else:
            continue
        problems.append(CheckpointProblem(checkpoint.line, reason, checkpoint))
    return problems


def _walk(
    session: Session, key: ChainKey | None, heads: dict[int, list[Checkpoint]], keys: str
) -> tuple[int, int, bool, list[Problem]]:
    """Check every entry in order, matching each signed head on the way (popped from ``heads``).

    Returns (entries read, last id, whether any entry is keyed, problems); stops at the first
    chain break, since nothing after it can be trusted.
    """
    expected_prev = GENESIS_HASH
    checked = last_id = 0
    keyed = False
    problems: list[Problem] = []
    for entry in iter_entries(session):
        checked += 1
        last_id = entry.id
        reason = _break_reason(
            entry, expected_prev=expected_prev, key=key, keyed_before=keyed, keys=keys
        )
        keyed = keyed or entry.key_id is not None
        if reason is not None:
            problems.append(ChainBreak(entry.id, reason))
            break
        problems.extend(_head_problems(entry, checked, heads.pop(entry.id, [])))
        expected_prev = entry.hash
    return checked, last_id, keyed, problems


def verify(session: Session, trail: Trail | None = None) -> Verification:
    """Check the chain, each checkpoint's signature and that the chain holds each signed head."""
    trail = trail or trail_of(session)
    result = Verification()
    verifier = load_verifier(trail.keys_dir)
    heads: dict[int, list[Checkpoint]] = {}
    for number, text in checkpoints.read_lines(trail.checkpoint_file):
        try:
            checkpoint = checkpoints.parse(text, line=number)
        except ValueError as exc:
            result.problems.append(CheckpointProblem(number, f"unreadable: {exc}"))
            continue
        if verifier is None:
            reason = f"cannot be checked: no checkpoint key in {trail.keys_dir}"
            result.problems.append(CheckpointProblem(number, reason, checkpoint))
            continue
        if checkpoint.key_id != verifier.key_id:
            reason = (
                f"signed with key {checkpoint.key_id}, not this deployment's checkpoint key "
                f"{verifier.key_id}"
            )
            result.problems.append(CheckpointProblem(number, reason, checkpoint))
            continue
        if not verifier.valid(checkpoint.message(), checkpoint.signature):
            reason = "its signature does not verify: the line was forged or altered"
            result.problems.append(CheckpointProblem(number, reason, checkpoint))
            continue
        result.checkpoints.append(checkpoint)
        if checkpoint.head.count:  # a checkpoint of the empty chain holds nothing to match
            heads.setdefault(checkpoint.head.last_id, []).append(checkpoint)

    key = load_chain_key(trail.keys_dir, create=False)
    keys = str(trail.keys_dir / CHAIN_KEY_FILE)
    result.entries, result.last_id, keyed, walked = _walk(session, key, heads, keys)
    result.problems.extend(walked)
    if not any(isinstance(p, ChainBreak) for p in walked):  # past a break nothing is known
        _unmatched(result, heads, trail.checkpoint_file, keyed=keyed or key is not None)
    result.problems.sort(key=lambda p: (isinstance(p, CheckpointProblem), _order(p)))
    return result


def _unmatched(
    result: Verification, heads: dict[int, list[Checkpoint]], path: Path, *, keyed: bool
) -> None:
    """Signed heads the chain never reached, and a keyed chain without any checkpoint."""
    for waiting in heads.values():
        for checkpoint in waiting:
            reason = (
                f"entry {checkpoint.head.last_id} is gone: the chain now ends at entry "
                f"{result.last_id} with {result.entries} entries, so entries up to the "
                "checkpoint were removed"
            )
            result.problems.append(CheckpointProblem(checkpoint.line, reason, checkpoint))
    if not result.checkpoints and not result.problems and keyed:
        reason = (
            f"none in {path}, although this deployment keys its chain: the "
            "file was removed or moved (EPIBRIDGE_AUDIT_CHECKPOINTS), or none was ever "
            "written (`epibridge audit checkpoint` writes one)"
        )
        result.problems.append(CheckpointProblem(0, reason))


def _order(problem: Problem) -> int:
    return problem.entry_id if isinstance(problem, ChainBreak) else problem.line


def verify_chain(session: Session, trail: Trail | None = None) -> tuple[int, ChainBreak | None]:
    """Walk the chain only (no checkpoints); return entries checked and the first break."""
    trail = trail or trail_of(session)
    key = load_chain_key(trail.keys_dir, create=False)
    checked, _, _, problems = _walk(session, key, {}, str(trail.keys_dir / CHAIN_KEY_FILE))
    breaks = [p for p in problems if isinstance(p, ChainBreak)]
    return checked, (breaks[0] if breaks else None)
