"""The audit log's two key files, kept under ``VAR_DIR/keys`` and never in the database.

``audit-chain.key`` (32 random bytes, hex) keys the chain's HMAC-SHA256: whoever can write the
database but not read this file cannot recompute a hash after editing an entry.
``audit-checkpoint.key`` (Ed25519, PKCS#8 PEM) signs checkpoints of the chain's head; its public
half is also written to ``audit-checkpoint.pub`` so a checker on another machine needs no secret.
Both are created on first use with mode 0600 in a 0700 folder, atomically: when two processes
start at once, one key wins and both use it (an entry keyed with a lost key could never verify).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHAIN_KEY_FILE = "audit-chain.key"
SIGNING_KEY_FILE = "audit-checkpoint.key"
PUBLIC_KEY_FILE = "audit-checkpoint.pub"


@dataclass(frozen=True)
class ChainKey:
    """The secret that keys each entry's hash, and the id stored beside each keyed entry."""

    key_id: str
    secret: bytes

    def mac(self, material: str) -> str:
        return hmac.new(self.secret, material.encode(), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print the secret
        return f"ChainKey(key_id={self.key_id!r})"


@dataclass(frozen=True)
class CheckpointVerifier:
    """The public half of the checkpoint key: enough to check, never to sign."""

    key_id: str
    public: Ed25519PublicKey

    def valid(self, message: bytes, signature: str) -> bool:
        try:
            self.public.verify(_unb64(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class CheckpointSigner:
    """The private checkpoint key."""

    verifier: CheckpointVerifier
    private: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return self.verifier.key_id

    def sign(self, message: bytes) -> str:
        return base64.urlsafe_b64encode(self.private.sign(message)).decode().rstrip("=")

    def __repr__(self) -> str:
        return f"CheckpointSigner(key_id={self.key_id!r})"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def chain_key_id(secret: bytes) -> str:
    """A short public name of a chain key (a hash of it: it reveals nothing of the key)."""
    return hashlib.sha256(b"epibridge audit chain key\x00" + secret).hexdigest()[:16]


def _public_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_new(path: Path, content: bytes, mode: int = 0o600) -> bool:
    """Create ``path`` with ``content`` unless it exists; True if this call created it.

    Written to a private temporary file first and then hard-linked into place, so a reader
    never sees a half-written key and a concurrent creator's ``link`` fails instead of
    replacing a key that may already have been used.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(descriptor, content)
        os.fchmod(descriptor, mode)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


#: The same atomic 0600 creation for other key files kept under ``VAR_DIR/keys`` (federation).
write_new_file = _write_new


def load_chain_key(keys_dir: Path, *, create: bool) -> ChainKey | None:
    """Read the chain key; create it first when ``create`` (writers), else None if absent."""
    path = keys_dir / CHAIN_KEY_FILE
    if not path.is_file():
        if not create:
            return None
        _write_new(path, (secrets.token_bytes(32).hex() + "\n").encode())
    secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(secret) < 32:
        raise ValueError(f"{path}: an audit chain key must be at least 32 bytes (64 hex digits)")
    return ChainKey(key_id=chain_key_id(secret), secret=secret)


def load_signer(keys_dir: Path, *, create: bool) -> CheckpointSigner | None:
    """Read the checkpoint signing key; create it (and its .pub) first when ``create``."""
    path = keys_dir / SIGNING_KEY_FILE
    if not path.is_file():
        if not create:
            return None
        fresh = Ed25519PrivateKey.generate()
        _write_new(
            path,
            fresh.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    public = private.public_key()
    public_path = keys_dir / PUBLIC_KEY_FILE
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not public_path.is_file():
        _write_new(public_path, pem, mode=0o644)
    elif public_path.read_bytes() != pem:  # a stale copy beside a replaced private key
        public_path.write_bytes(pem)
    return CheckpointSigner(CheckpointVerifier(_public_id(public), public), private)


def load_verifier(keys_dir: Path) -> CheckpointVerifier | None:
    """The public checkpoint key: from the private key if present, else from the .pub file.

    A checker on another machine keeps only ``audit-checkpoint.pub`` (and the chain key).
    """
    signer = load_signer(keys_dir, create=False)
    if signer is not None:
        return signer.verifier
    path = keys_dir / PUBLIC_KEY_FILE
    if not path.is_file():
        return None
    public = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return CheckpointVerifier(_public_id(public), public)
