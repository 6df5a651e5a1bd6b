"""Envelopes: RFC 8785 payloads, EdDSA only, checked with joserfc as the independent verifier."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from epibridge.federation import canonical, envelope, keys
from epibridge.federation.messages import SCHEMA_VERSION, Refused

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

# RFC 8785, section 3.2.2 (https://www.rfc-editor.org/rfc/rfc8785#section-3.2.2): input and
# the canonical output the RFC gives for it.
RFC8785_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC8785_OUTPUT = (
    r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)
# RFC 8785, section 3.2.3: property sorting by UTF-16 code units; the RFC lists the values in
# the order the canonical form has them.
RFC8785_SORTING = {
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\U0001f600": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis",
}
RFC8785_SORTED_VALUES = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]
# RFC 8785, appendix B: IEEE 754 doubles (hex) and their canonical JSON numbers.
RFC8785_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def test_canonical_form_matches_rfc8785_example() -> None:
    assert canonical.dumps(json.loads(RFC8785_INPUT)) == RFC8785_OUTPUT.encode("utf-8")


def test_canonical_sorting_matches_rfc8785() -> None:
    ordered = json.loads(canonical.dumps(RFC8785_SORTING))
    assert list(ordered.values()) == RFC8785_SORTED_VALUES


@pytest.mark.parametrize(("bits", "expected"), RFC8785_NUMBERS)
def test_canonical_numbers_match_rfc8785_appendix_b(bits: str, expected: str) -> None:
    import struct

    (number,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical.dumps(number) == expected.encode()


def test_not_canonical_is_refused() -> None:
    assert canonical.loads_canonical(b'{"a":1,"b":[true]}') == {"a": 1, "b": [True]}
    for text in (b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b'{"a":NaN}', b'{"a":1,"a":1}'):
        with pytest.raises(canonical.NotCanonical):
            canonical.loads_canonical(text)
    with pytest.raises(canonical.NotCanonical):
        canonical.dumps({"a": float("nan")})


@pytest.fixture
def key(tmp_path: Path) -> keys.NodeKey:
    return keys.generate(tmp_path)


def _seal(key: keys.NodeKey, **changes: object) -> str:
    fields: dict[str, object] = {
        "origin_node": "kaz-node",
        "origin_state": "KAZ",
        "topic": "test.ping",
        "body": {"n": 1, "text": "Алматы 阿拉木图"},
        "created": NOW,
    }
    fields.update(changes)
    return envelope.seal(key=key, **fields)  # type: ignore[arg-type]


def _joserfc_verify(token: str, jwk: dict[str, str]) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc's SecurityWarning about the name "EdDSA"
        public = keys.parse_public_jwk(jwk)
        return jws.deserialize_compact(token, public, algorithms=["EdDSA"]).payload


def test_seal_is_a_compact_jws_joserfc_verifies_over_the_canonical_payload(
    key: keys.NodeKey,
) -> None:
    token = _seal(key)
    payload = _joserfc_verify(token, key.public_jwk())
    data = json.loads(payload)
    assert canonical.dumps(data) == payload
    assert set(data) == set(
        ["id", "origin_node", "origin_state", "created", "topic", "schema_version", "body"]
    )
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["created"] == "2026-12-03T12:00:00.000000Z"
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": key.kid, "typ": "epibridge-envelope+jws"}
    opened = envelope.verify(token, public_key=keys.parse_public_jwk(key.public_jwk()))
    assert opened.id == data["id"] and opened.body == data["body"] and opened.token == token
    assert opened.created == NOW and opened.kid == key.kid


def test_json_serialization_is_accepted_and_kept_as_compact(key: keys.NodeKey) -> None:
    token = _seal(key)
    protected, payload, signature = token.split(".")
    flat = json.dumps({"protected": protected, "payload": payload, "signature": signature})
    general = json.dumps(
        {"payload": payload, "signatures": [{"protected": protected, "signature": signature}]}
    )
    public = keys.parse_public_jwk(key.public_jwk())
    assert envelope.verify(flat, public_key=public).token == token
    assert envelope.verify(general, public_key=public).token == token
    with_open_header = json.dumps(
        {"protected": protected, "payload": payload, "signature": signature, "header": {"kid": "x"}}
    )
    with pytest.raises(Refused):
        envelope.verify(with_open_header, public_key=public)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_tampered_payload_is_refused(key: keys.NodeKey) -> None:
    protected, payload, signature = _seal(key).split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["body"]["n"] = 2
    forged = ".".join([protected, _b64(canonical.dumps(data)), signature])
    with pytest.raises(Refused) as refused:
        envelope.verify(forged, public_key=keys.parse_public_jwk(key.public_jwk()))
    assert refused.value.status == 401


def test_wrong_key_is_refused(key: keys.NodeKey, tmp_path: Path) -> None:
    other = keys.generate(tmp_path / "other")
    with pytest.raises(Refused) as refused:
        envelope.verify(_seal(key), public_key=keys.parse_public_jwk(other.public_jwk()))
    assert refused.value.status == 401


def test_alg_none_and_hs256_with_the_public_key_as_secret_are_refused(key: keys.NodeKey) -> None:
    payload = _seal(key).split(".")[1]
    public = keys.parse_public_jwk(key.public_jwk())
    none_header = _b64(json.dumps({"alg": "none", "kid": key.kid, "typ": envelope.TYP}).encode())
    with pytest.raises(Refused) as refused:
        envelope.verify(f"{none_header}.{payload}.", public_key=public)
    assert refused.value.status == 401
    # alg confusion: HMAC keyed with the (public) x value, which any attacker knows.
    secret = OctKey.import_key(base64.urlsafe_b64decode(key.public_jwk()["x"] + "="))
    raw = base64.urlsafe_b64decode(payload + "==")
    header = {"alg": "HS256", "kid": key.kid, "typ": envelope.TYP}
    hs256 = jws.serialize_compact(header, raw, secret, algorithms=["HS256"])
    with pytest.raises(Refused) as refused:
        envelope.verify(hs256, public_key=public)
    assert refused.value.status == 401


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": "k"},
        {"alg": "EdDSA", "kid": "k", "typ": "JWT"},
        {"alg": "EdDSA", "kid": "k", "typ": envelope.TYP, "jwk": {"kty": "OKP"}},
        {"alg": "EdDSA", "kid": "k", "typ": envelope.TYP, "crit": ["exp"], "exp": 1},
        {"alg": "Ed25519", "kid": "k", "typ": envelope.TYP},
    ],
)
def test_other_headers_are_refused(key: keys.NodeKey, header: dict[str, object]) -> None:
    _, payload, signature = _seal(key).split(".")
    token = ".".join([_b64(json.dumps(header).encode()), payload, signature])
    with pytest.raises(Refused) as refused:
        envelope.read(token)
    assert refused.value.status == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"message_id": "not-a-uuid"}, "id"),
        ({"origin_state": "kz"}, "origin_state"),
        ({"origin_node": "../x"}, "origin_node"),
        ({"topic": ""}, "topic"),
    ],
)
def test_bad_claims_are_refused_naming_the_field(
    key: keys.NodeKey, change: dict[str, object], field: str
) -> None:
    with pytest.raises(Refused) as refused:
        envelope.verify(_seal(key, **change), public_key=keys.parse_public_jwk(key.public_jwk()))
    assert (refused.value.status, refused.value.field_name) == (422, field)


def test_garbage_is_refused_not_crashed() -> None:
    deep = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode().rstrip("=")
    header = _b64(json.dumps({"alg": "EdDSA", "kid": "k", "typ": envelope.TYP}).encode())
    garbage = [
        "",
        "a.b",
        "a.b.c",
        "{",
        "[]",
        '{"payload": 1}',
        "é.é.é",
        "x" * 10,
        "\ud800.a.b",
        '{"payload":"a","signatures":[1]}',
        '{"payload":"a","signatures":[]}',
        '{"payload":"a","signatures":[{"protected":1,"signature":"s"}]}',
        '{"payload":"a","protected":"b","signature":["s"]}',
        "[" * 100_000,
        f"{header}.{deep}.sig",
        f"{header}.{_b64(b'{}')}.sig",
        "a" * (envelope.MAX_TOKEN_BYTES + 1),
    ]
    for token in garbage:
        with pytest.raises(Refused):
            envelope.claims(envelope.read(token))


def test_a_message_larger_than_joserfc_default_limit_verifies(key: keys.NodeKey) -> None:
    """A pull page of 200 notifications with their CAP is megabytes: it must still verify."""
    big = {"messages": [{"token": "x" * 5_000, "n": i} for i in range(200)]}
    token = _seal(key, body=big)
    assert len(token) > 1_000_000
    opened = envelope.verify(token, public_key=keys.parse_public_jwk(keys.public_jwk(key.key)))
    assert opened.body == big


def test_a_message_over_the_envelope_limit_is_refused_as_too_large(key: keys.NodeKey) -> None:
    token = _seal(key, body={"text": "x" * (envelope.MAX_TOKEN_BYTES + 1)})
    with pytest.raises(Refused) as refused:
        envelope.read(token)
    assert refused.value.status == 422
    assert "too large" in str(refused.value.reason)
