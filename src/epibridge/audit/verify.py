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
from epibridge.errors import reason_of
from epibridge.i18n import N_, Text, text_in


@dataclass(frozen=True)
class ChainBreak:
    """The first entry whose stored values do not match the chain."""

    entry_id: int
    reason: str

    def message(self) -> str:
        return self.message_in("en")

    def message_in(self, lang: str) -> str:
        """The problem in ``lang`` (the audit-log page's reader's; the CLI prints English)."""
        said = Text(
            N_("audit chain broken at entry {entry_id}: {reason}"),
            {"entry_id": self.entry_id, "reason": self.reason},
        )
        return text_in(said, lang)


@dataclass(frozen=True)
class CheckpointProblem:
    """A checkpoint line that is not genuine, or whose signed head the chain no longer holds."""

    line: int
    reason: str
    checkpoint: Checkpoint | None = None

    def message(self) -> str:
        return self.message_in("en")

    def message_in(self, lang: str) -> str:
        """The problem in ``lang`` (the audit-log page's reader's; the CLI prints English)."""
        if self.checkpoint is not None:
            head = self.checkpoint.head
            said = Text(
                N_(
                    "audit checkpoint on line {line} ({at}: {count} entries up to entry "
                    "{last_id}): {reason}"
                ),
                {
                    "line": self.checkpoint.line,
                    "at": self.checkpoint.at,
                    "count": head.count,
                    "last_id": head.last_id,
                    "reason": self.reason,
                },
            )
        elif self.line:
            said = Text(
                N_("audit checkpoint on line {line}: {reason}"),
                {"line": self.line, "reason": self.reason},
            )
        else:
            said = Text(N_("audit checkpoints: {reason}"), {"reason": self.reason})
        return text_in(said, lang)


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
        return Text(
            N_("its previous-hash does not match the entry before it (row removed or edited)")
        )
    if digest_of(entry.detail) != entry.digest:
        return Text(N_("its recorded state does not match its digest"))
    if entry.key_id is None and keyed_before:
        return Text(
            N_(
                "it carries a plain SHA-256 hash after keyed entries: rewritten by someone "
                "without the chain key"
            )
        )
    if entry.key_id is not None and key is None:
        return Text(
            N_("it is keyed with chain key {key_id}, but {keys} does not exist"),
            {"key_id": entry.key_id, "keys": keys},
        )
    if entry.key_id is not None and key is not None and entry.key_id != key.key_id:
        return Text(
            N_(
                "it names chain key {key_id}, not this deployment's key {ours} (rewritten "
                "with another key, or the wrong key file)"
            ),
            {"key_id": entry.key_id, "ours": key.key_id},
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
        if entry.key_id:
            return Text(
                N_(
                    "its hash does not match its contents under the chain key (rewritten "
                    "without it?)"
                )
            )
        return Text(N_("its hash does not match its contents"))
    return None


def _head_problems(entry: AuditEntry, count: int, signed: list[Checkpoint]) -> list[Problem]:
    """Checkpoints whose head is ``entry`` (the ``count``-th) but signed another hash or count."""
    problems: list[Problem] = []
    for checkpoint in signed:
        if checkpoint.head.last_hash != entry.hash:
            reason = Text(
                N_(
                    "entry {id} now has hash {hash}…, the checkpoint signed {signed}…: entries "
                    "up to it were rewritten or removed and replaced"
                ),
                {"id": entry.id, "hash": entry.hash[:16], "signed": checkpoint.head.last_hash[:16]},
            )
        elif checkpoint.head.count != count:
            reason = Text(
                N_(
                    "the chain holds {count} entries up to entry {id}, the checkpoint signed "
                    "{signed}"
                ),
                {"count": count, "id": entry.id, "signed": checkpoint.head.count},
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
            reason = Text(N_("unreadable: {reason}"), {"reason": reason_of(exc)})
            result.problems.append(CheckpointProblem(number, reason))
            continue
        if verifier is None:
            reason = Text(
                N_("cannot be checked: no checkpoint key in {keys}"), {"keys": trail.keys_dir}
            )
            result.problems.append(CheckpointProblem(number, reason, checkpoint))
            continue
        if checkpoint.key_id != verifier.key_id:
            reason = Text(
                N_("signed with key {key_id}, not this deployment's checkpoint key {ours}"),
                {"key_id": checkpoint.key_id, "ours": verifier.key_id},
            )
            result.problems.append(CheckpointProblem(number, reason, checkpoint))
            continue
        if not verifier.valid(checkpoint.message(), checkpoint.signature):
            reason = Text(N_("its signature does not verify: the line was forged or altered"))
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
            reason = Text(
                N_(
                    "entry {id} is gone: the chain now ends at entry {last_id} with {entries} "
                    "entries, so entries up to the checkpoint were removed"
                ),
                {
                    "id": checkpoint.head.last_id,
                    "last_id": result.last_id,
                    "entries": result.entries,
                },
            )
            result.problems.append(CheckpointProblem(checkpoint.line, reason, checkpoint))
    if not result.checkpoints and not result.problems and keyed:
        reason = Text(
            N_(
                "none in {path}, although this deployment keys its chain: the file was removed "
                "or moved (EPIBRIDGE_AUDIT_CHECKPOINTS), or none was ever written (`epibridge "
                "audit checkpoint` writes one)"
            ),
            {"path": path},
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
