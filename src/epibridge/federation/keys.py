"""A node's Ed25519 signing keys: private halves in ``VAR_DIR/keys``, public halves as JWK.

Each key lives in its own file ``federation-<kid>.key`` (PKCS#8 PEM, mode 0600 in a 0700
folder, created atomically by the audit package's key-file helper), so a rotation adds a file
and the old key keeps signing until its overlap ends. The ``kid`` is the key's RFC 7638
thumbprint: anyone holding the public JWK can recompute it, so a key cannot be announced
under another key's name. The database holds only public keys and their validity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from epibridge.audit.keys import write_new_file
from epibridge.i18n import N_

KEY_FILE_PREFIX = "federation-"
KEY_FILE_SUFFIX = ".key"
#: The only members a public node key may carry (``kid`` is checked against the thumbprint).
_PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "kid", "use", "alg"})


class BadKey(ValueError):
    """A public key given by an operator or a peer is not an Ed25519 public JWK.

    ``reason`` is a message id, shown translated to whoever pasted the key.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NodeKey:
    """One of this node's private signing keys."""

    kid: str
    key: OKPKey

    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.key)

    def __repr__(self) -> str:  # never print the private key
        return f"NodeKey(kid={self.kid!r})"


def keys_dir(var_dir: Path) -> Path:
    return var_dir / "keys"


def kid_of(key: OKPKey) -> str:
    """The RFC 7638 thumbprint (SHA-256, base64url) of the public key."""
    return key.thumbprint()


def public_jwk(key: OKPKey) -> dict[str, str]:
    """The public half as a JWK with its ``kid`` (no private member, ever)."""
    data = key.as_dict(private=False)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": str(data["x"]),
        "kid": kid_of(key),
        "use": "sig",
        "alg": "EdDSA",
    }


def jwk_line(key: OKPKey) -> str:
    """The public JWK as one line of JSON (what ``federation init`` prints last)."""
    return json.dumps(public_jwk(key), separators=(",", ":"), sort_keys=True)


def parse_public_jwk(value: str | dict[str, Any]) -> OKPKey:
    """Read a public Ed25519 JWK given as JSON text or a dict; raise ``BadKey``.

    A private member (``d``) is refused rather than dropped: whoever pasted it has leaked the
    key and must make a new one. A ``kid`` that is not the key's thumbprint is refused too.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadKey(N_("the key is not JSON")) from exc
    if not isinstance(value, dict):
        raise BadKey(N_("a key must be a JWK (a JSON object)"))
    if "d" in value:
        raise BadKey(N_("this is a private key: never share it, give the public key"))
    unknown = sorted(set(value) - _PUBLIC_MEMBERS)
    if unknown:
        raise BadKey(N_("a node key must be an Ed25519 public JWK"))
    if value.get("kty") != "OKP" or value.get("crv") != "Ed25519":
        raise BadKey(N_("a node key must be an Ed25519 public JWK"))
    if value.get("alg", "EdDSA") != "EdDSA" or value.get("use", "sig") != "sig":
        raise BadKey(N_("a node key must be an Ed25519 public JWK"))
    if not isinstance(value.get("x"), str):
        raise BadKey(N_("a node key must be an Ed25519 public JWK"))
    try:
        key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": value["x"]})
    except (JoseError, ValueError, TypeError) as exc:
        raise BadKey(N_("a node key must be an Ed25519 public JWK")) from exc
    if key.is_private:
        raise BadKey(N_("this is a private key: never share it, give the public key"))
    if "kid" in value and value["kid"] != kid_of(key):
        raise BadKey(N_("the key's kid is not its RFC 7638 thumbprint"))
    return key


def _path(directory: Path, kid: str) -> Path:
    if not kid or any(ch not in _KID_CHARS for ch in kid):
        raise BadKey(N_("a key id is base64url text"))
    return directory / f"{KEY_FILE_PREFIX}{kid}{KEY_FILE_SUFFIX}"


_KID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def generate(directory: Path) -> NodeKey:
    """Make a new key pair and write its private half (0600); return it."""
    private = Ed25519PrivateKey.generate()
    key = OKPKey.import_key(private)
    kid = kid_of(key)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_new_file(_path(directory, kid), pem)
    return NodeKey(kid, key)


def load(directory: Path, kid: str) -> NodeKey:
    """This node's private key ``kid``; ``FileNotFoundError`` if it is not on this machine."""
    path = _path(directory, kid)
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    key = OKPKey.import_key(private)
    if kid_of(key) != kid:
        raise ValueError(f"{path} holds another key than its name says")
    return NodeKey(kid, key)
