"""One deployment's audit trail: where its keys and checkpoints live, and when to checkpoint.

``trail_for(settings)`` is built where the settings are (``create_app``, the CLI, migrations)
and handed to ``make_sessionmaker``; every session then carries it, so ``record`` keys entries
with it and ``write_session`` calls ``after_commit`` once its transaction has committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import checkpoints
from epibridge.audit.checkpoints import Checkpoint
from epibridge.audit.keys import ChainKey, CheckpointSigner, load_chain_key, load_signer
from epibridge.db import read_session, utcnow
from epibridge.settings import Settings

log = logging.getLogger(__name__)


class Trail:
    """Keys (loaded or created on first use) and the checkpoint schedule of one deployment."""

    def __init__(
        self,
        *,
        keys_dir: Path,
        checkpoint_file: Path,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.keys_dir = keys_dir
        self.checkpoint_file = checkpoint_file
        self.interval = interval
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._chain_key: ChainKey | None = None
        self._signer: CheckpointSigner | None = None
        self._last: Checkpoint | None = None
        # Due at once: a process's first write checkpoints, then at most once per interval.
        self._due = float("-inf")

    def chain_key(self) -> ChainKey:
        """The key that hashes new entries, created (0600) by the first write."""
        key = self._chain_key
        if key is None:
            with self._lock:
                if self._chain_key is None:
                    self._chain_key = load_chain_key(self.keys_dir, create=True)
                key = self._chain_key
        assert key is not None
        return key

    def signer(self) -> CheckpointSigner:
        """The key that signs checkpoints, created (0600) by the first checkpoint."""
        signer = self._signer
        if signer is None:
            with self._lock:
                if self._signer is None:
                    self._signer = load_signer(self.keys_dir, create=True)
                signer = self._signer
        assert signer is not None
        return signer

    def checkpoint(self, session: Session, *, only_if_moved: bool = False) -> Checkpoint | None:
        """Sign the chain's head as ``session`` sees it and append it to the checkpoint file.

        With ``only_if_moved``, nothing is written when the head is the one this trail last
        checkpointed (write sessions that audited nothing, such as the worker's claims).
        """
        last = self._last
        head = checkpoints.read_head(session, since=last.head if last else None)
        if only_if_moved and last is not None and head == last.head:
            return None
        checkpoint = checkpoints.sign(head, at=self._now(), signer=self.signer())
        checkpoints.append(self.checkpoint_file, checkpoint)
        self._last = checkpoint
        return checkpoint

    def after_commit(self, factory: sessionmaker[Session]) -> None:
        """Checkpoint when the interval has passed since this process's last one.

        Called by ``write_session`` after commit, outside the transaction: a write never waits
        for a checkpoint, and a failing checkpoint (full disk, unwritable folder) is logged,
        not raised, because the write it follows has already succeeded.
        """
        if self._clock() < self._due:
            return
        if not self._lock.acquire(blocking=False):
            return  # another thread of this process is checkpointing now
        try:
            if self._clock() < self._due:
                return
            self._due = self._clock() + self.interval
        finally:
            self._lock.release()
        try:
            with read_session(factory) as session:
                self.checkpoint(session, only_if_moved=True)
        except Exception:
            log.exception("audit checkpoint to %s failed", self.checkpoint_file)


def checkpoint_file(settings: Settings) -> Path:
    """``EPIBRIDGE_AUDIT_CHECKPOINTS``, or ``VAR_DIR/audit-checkpoints.jsonl``."""
    if settings.audit_checkpoints:
        return Path(settings.audit_checkpoints)
    return settings.var_dir / "audit-checkpoints.jsonl"


def trail_for(settings: Settings, *, clock: Callable[[], float] | None = None) -> Trail:
    """The audit trail of the deployment ``settings`` describe (``clock``: for tests)."""
    return Trail(
        keys_dir=settings.var_dir / "keys",
        checkpoint_file=checkpoint_file(settings),
        interval=float(settings.audit_checkpoint_interval),
        clock=clock or time.monotonic,
    )
