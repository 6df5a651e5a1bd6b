"""Uploads: who may send a file at all, and the files waiting between "check" and "confirm".

``may_upload`` is decided from the caller alone, before a byte of the body is read (the upload
routes accept up to ``EPIBRIDGE_MAX_UPLOAD_BYTES``; reading that much from someone who may not
submit would let anyone fill the disk and the network). The per-state check runs again once
the form names its state (``service.check_file``).

A file checked on the web import page waits under ``<root>/<account>/<token><suffix>`` until
it is confirmed; one never confirmed expires after ``EPIBRIDGE_UPLOAD_TTL_HOURS`` and is
deleted by ``purge_expired`` (run on every new upload and by ``epibridge data purge-uploads``).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from epibridge.security import Action, Decision, Principal, decide

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}(\.[a-z0-9]{1,9})?$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def upload_root(var_dir: Path) -> Path:
    """The folder holding every account's waiting uploads."""
    return Path(var_dir) / "web-uploads"


def may_upload(principal: Principal) -> Decision:
    """Whether ``principal`` may submit data for some state (its own, or any: Secretariat)."""
    if principal.state:
        return decide(principal, Action.WRITE_STATE, principal.state)
    decision = decide(principal, Action.COORDINATE)
    if decision.allowed:
        return decide(principal, Action.WRITE_STATE, "*")
    return decision


def _account_dir(root: Path, account: str) -> Path:
    if not _ACCOUNT.match(account) or account.startswith("."):
        raise ValueError(f"unusable account name for an upload folder: {account!r}")
    return root / account


def stage(root: Path, *, account: str, filename: str, stream: BinaryIO) -> tuple[str, Path]:
    """Copy an uploaded file into the account's folder; return its token and path."""
    folder = _account_dir(root, account)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(filename).suffix.lower()[:10]
    if not re.fullmatch(r"(\.[a-z0-9]{1,9})?", suffix):
        suffix = ""
    token = secrets.token_urlsafe(24) + suffix
    path = folder / token
    try:
        with path.open("xb") as handle:
            while chunk := stream.read(1 << 20):
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return token, path


def staged(root: Path, *, account: str, token: str, ttl: timedelta, now: datetime) -> Path | None:
    """The waiting file of ``token``, or None if the token is malformed, unknown or expired."""
    if not _TOKEN.match(token):
        return None
    path = _account_dir(root, account) / token
    if not path.is_file() or _age(path, now) > ttl:
        return None
    return path


def _age(path: Path, now: datetime) -> timedelta:
    return now - datetime.fromtimestamp(path.stat().st_mtime, UTC)


def purge_expired(root: Path, *, ttl: timedelta, now: datetime) -> int:
    """Delete every waiting file older than ``ttl``; return how many were deleted."""
    if not root.is_dir():
        return 0
    deleted = 0
    for path in root.glob("*/*"):
        try:
            if path.is_file() and _age(path, now) > ttl:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # confirmed or purged by another process meanwhile
            continue
    return deleted
