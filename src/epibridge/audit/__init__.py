"""The append-only, keyed, hash-chained audit log, and its signed checkpoints.

Every write appends one entry in the same transaction as the write (``record``); each entry's
hash is an HMAC, under a key kept in ``VAR_DIR/keys``, of its contents and the previous hash.
After commits (at most once a minute) and on ``epibridge audit checkpoint`` the chain's head is
signed with an Ed25519 key and appended to a file outside the database, so ``verify`` detects an
edited entry, a recomputed rewrite without the key, and removed entries up to the latest
checkpoint. ``from epibridge import audit; audit.record(...)`` is the interface.
"""

from epibridge.audit.chain import (
    GENESIS_HASH,
    AuditEntry,
    canonical_json,
    count_entries,
    digest_of,
    entry_hash,
    iter_entries,
    json_ready,
    lock_chain,
    record,
    trail_of,
)
from epibridge.audit.checkpoints import Checkpoint, Head, read_head
from epibridge.audit.listing import Vocabulary, check, list_entries, vocabulary
from epibridge.audit.trail import Trail, checkpoint_file, trail_for
from epibridge.audit.verify import (
    ChainBreak,
    CheckpointProblem,
    Problem,
    Verification,
    verify,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "ChainBreak",
    "Checkpoint",
    "CheckpointProblem",
    "Head",
    "Problem",
    "Trail",
    "Verification",
    "Vocabulary",
    "canonical_json",
    "check",
    "checkpoint_file",
    "count_entries",
    "digest_of",
    "entry_hash",
    "iter_entries",
    "json_ready",
    "list_entries",
    "lock_chain",
    "read_head",
    "record",
    "trail_for",
    "trail_of",
    "verify",
    "verify_chain",
    "vocabulary",
]
