"""Node keys: files 0600 under VAR_DIR/keys, public JWK that joserfc reads, kid = thumbprint."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from joserfc.jwk import JWKRegistry, OKPKey

from epibridge.federation import keys


def test_generate_writes_a_private_file_only_the_owner_reads(tmp_path: Path) -> None:
    directory = keys.keys_dir(tmp_path)
    key = keys.generate(directory)
    path = directory / f"federation-{key.kid}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in path.read_bytes()
    assert keys.load(directory, key.kid).kid == key.kid


def test_public_jwk_is_read_by_joserfc_and_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    key = keys.generate(tmp_path)
    line = keys.jwk_line(key.key)
    assert "\n" not in line
    data = json.loads(line)
    assert "d" not in data
    imported = JWKRegistry.import_key(data)
    assert isinstance(imported, OKPKey) and not imported.is_private
    assert imported.thumbprint() == data["kid"] == key.kid


def test_rfc8037_thumbprint_vector() -> None:
    # RFC 8037, appendix A.3: the thumbprint of the example Ed25519 public key (A.2).
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert keys.kid_of(keys.parse_public_jwk(jwk)) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


@pytest.mark.parametrize(
    "jwk",
    [
        "not json",
        "[]",
        {"kty": "EC", "crv": "P-256", "x": "a", "y": "b"},
        {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "OKP", "crv": "Ed25519", "x": "short"},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "oct", "k": "c2VjcmV0"},
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "kid": "someone-else",
        },
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "alg": "HS256",
        },
    ],
)
def test_parse_public_jwk_refuses_what_is_not_an_ed25519_public_key(jwk: object) -> None:
    with pytest.raises(keys.BadKey):
        keys.parse_public_jwk(jwk)  # type: ignore[arg-type]


def test_parse_public_jwk_refuses_a_private_key(tmp_path: Path) -> None:
    key = keys.generate(tmp_path)
    private = key.key.as_dict(private=True)
    assert "d" in private
    with pytest.raises(keys.BadKey, match="private"):
        keys.parse_public_jwk(dict(private))


def test_load_refuses_a_file_that_holds_another_key(tmp_path: Path) -> None:
    first, second = keys.generate(tmp_path), keys.generate(tmp_path)
    (tmp_path / f"federation-{first.kid}.key").write_bytes(
        (tmp_path / f"federation-{second.kid}.key").read_bytes()
    )
    with pytest.raises(ValueError, match="another key"):
        keys.load(tmp_path, first.kid)
    with pytest.raises(keys.BadKey):
        keys.load(tmp_path, "../../etc/passwd")


def test_repr_never_shows_the_private_key(tmp_path: Path) -> None:
    key = keys.generate(tmp_path)
    assert repr(key) == f"NodeKey(kid={key.kid!r})"
