"""Signed envelopes: a compact JWS (EdDSA, Ed25519) over the RFC 8785 form of one message.

Sealing and opening live here and nowhere else, so every path that accepts a message from a
peer (push, pull, relay, join) checks it the same way. Only ``alg`` EdDSA is ever accepted:
the protected header must be exactly ``{"alg": "EdDSA", "kid": ..., "typ": ...}``, so "none",
HMAC with a public key as secret ("alg confusion"), embedded keys (``jwk``, ``jku``, ``x5u``)
and critical extensions are refused before any key is looked up. The payload must already be
canonical, so one message is one byte string whatever relays it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError, UnsupportedAlgorithmError
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from epibridge.federation import canonical
from epibridge.federation.keys import NodeKey
from epibridge.federation.messages import SCHEMA_VERSION, Envelope, Refused
from epibridge.i18n import N_

ALG = "EdDSA"
TYP = "epibridge-envelope+jws"
#: A message larger than this is refused unread (a CAP alert or a submission fits easily).
MAX_TOKEN_BYTES = 8 * 1024 * 1024
_FIELDS = frozenset(
    {"id", "origin_node", "origin_state", "created", "topic", "schema_version", "body"}
)
_STATE = re.compile(r"[A-Z]{3}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


class _EdDSAOnly(JWSRegistry):
    """A registry that knows one algorithm: no "none", no HMAC, no other curve.

    joserfc refuses payloads over 128,000 bytes by default, which a page of pulled messages
    or a notification with a long CAP exceeds; the limit here is the envelope's own.
    """

    max_payload_length = MAX_TOKEN_BYTES

    def get_alg(self, name: str) -> Any:
        if name != ALG:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        # The SecurityWarning joserfc raises here points at RFC 9864's fully-specified names;
        # EdDSA with an Ed25519 key (checked by parse_public_jwk) is exactly that algorithm.
        return self.algorithms[ALG]


_REGISTRY = _EdDSAOnly(algorithms=[ALG])


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z`` (one spelling per instant)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: object) -> datetime | None:
    """The instant of a ``format_time`` string, or None for anything else."""
    if not isinstance(text, str) or not text.endswith("Z"):
        return None
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        return None
    return moment if format_time(moment) == text else None


def sign(payload: dict[str, Any], *, key: NodeKey, typ: str = TYP) -> str:
    """A compact JWS of ``payload`` in canonical form (also used for the trust list)."""
    header = {"alg": ALG, "kid": key.kid, "typ": typ}
    return jws.serialize_compact(header, canonical.dumps(payload), key.key, registry=_REGISTRY)


def seal(
    *,
    key: NodeKey,
    origin_node: str,
    origin_state: str | None,
    topic: str,
    body: dict[str, Any],
    created: datetime,
    message_id: str | None = None,
) -> str:
    """Sign one message as this node; ``message_id`` defaults to a fresh UUID4."""
    payload = {
        "id": message_id or str(uuid.uuid4()),
        "origin_node": origin_node,
        "origin_state": origin_state,
        "created": format_time(created),
        "topic": topic,
        "schema_version": SCHEMA_VERSION,
        "body": body,
    }
    return sign(payload, key=key)


@dataclass(frozen=True)
class Unverified:
    """A token whose shape was checked but whose signature was not (yet)."""

    compact: str
    kid: str
    payload: dict[str, Any]


def _b64(part: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _bad(reason: str, status: int = 401, field_name: str = "message") -> Refused:
    return Refused(status, reason, field_name=field_name)


def _compact_of(token: str) -> str:
    """The compact form of a compact or JSON-serialized JWS (one signature, no open header)."""
    text = token.strip()
    if not text.startswith("{"):
        return text
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _bad(N_("the message is not a JWS"), 422) from exc
    if isinstance(data, dict) and isinstance(data.get("signatures"), list):
        if len(data["signatures"]) != 1 or set(data) != {"payload", "signatures"}:
            raise _bad(N_("a message carries exactly one signature"))
        (only,) = data["signatures"]
        if not isinstance(only, dict):
            raise _bad(N_("the message is not a JWS"), 422)
        data = {"payload": data["payload"], **only}
    if not isinstance(data, dict) or set(data) != {"payload", "protected", "signature"}:
        raise _bad(N_("the message is not a JWS"), 422)
    parts = [data["payload"], data["protected"], data["signature"]]
    if not all(isinstance(part, str) for part in parts):
        raise _bad(N_("the message is not a JWS"), 422)
    return f"{data['protected']}.{data['payload']}.{data['signature']}"


def read(token: str, *, typ: str = TYP) -> Unverified:
    """Parse a token without trusting it: header, canonical payload; raise ``Refused``."""
    if len(token) > MAX_TOKEN_BYTES:
        raise _bad(N_("the message is too large"), 422)
    compact = _compact_of(token)
    parts = compact.split(".")
    if len(parts) != 3:
        raise _bad(N_("the message is not a JWS"), 422)
    try:
        header = json.loads(_b64(parts[0]))
        payload_bytes = _b64(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise _bad(N_("the message is not a JWS"), 422) from exc
    if not isinstance(header, dict) or set(header) != {"alg", "kid", "typ"}:
        raise _bad(N_("the signature header must be exactly alg, kid and typ"))
    if header["alg"] != ALG:
        raise _bad(N_("only EdDSA signatures are accepted"))
    if header["typ"] != typ or not isinstance(header["kid"], str):
        raise _bad(N_("the signature header must be exactly alg, kid and typ"))
    try:
        payload = canonical.loads_canonical(payload_bytes)
    except canonical.NotCanonical as exc:
        raise _bad(N_("the message is not canonical JSON (RFC 8785)"), 422) from exc
    if not isinstance(payload, dict):
        raise _bad(N_("the message is not canonical JSON (RFC 8785)"), 422)
    return Unverified(compact=compact, kid=header["kid"], payload=payload)


def check_signature(unverified: Unverified, public_key: OKPKey) -> None:
    """Raise ``Refused`` (401) unless ``public_key`` made the signature."""
    try:
        jws.deserialize_compact(unverified.compact, public_key, registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise _bad(N_("the signature does not verify")) from exc


def claims(unverified: Unverified) -> Envelope:
    """The message's fields, checked for shape (422 naming the field); not yet trusted."""
    payload = unverified.payload
    if set(payload) != _FIELDS:
        raise _bad(N_("the message must have exactly the envelope fields"), 422)
    try:
        message_id = str(uuid.UUID(str(payload["id"])))
    except ValueError as exc:
        raise _bad(N_("the message id must be a UUID"), 422, "id") from exc
    if message_id != payload["id"]:
        raise _bad(N_("the message id must be a UUID"), 422, "id")
    origin_node, state = payload["origin_node"], payload["origin_state"]
    if not isinstance(origin_node, str) or not _NAME.fullmatch(origin_node):
        raise _bad(N_("origin_node must be a node id"), 422, "origin_node")
    if state is not None and (not isinstance(state, str) or not _STATE.fullmatch(state)):
        raise _bad(N_("origin_state must be an ISO 3166 alpha-3 code or null"), 422, "origin_state")
    created = parse_time(payload["created"])
    if created is None:
        raise _bad(N_("created must be an RFC 3339 UTC time"), 422, "created")
    if not isinstance(payload["topic"], str) or not _NAME.fullmatch(payload["topic"]):
        raise _bad(N_("topic must be a topic name"), 422, "topic")
    if payload["schema_version"] != SCHEMA_VERSION or isinstance(payload["schema_version"], bool):
        raise _bad(N_("unknown schema version"), 422, "schema_version")
    if not isinstance(payload["body"], dict):
        raise _bad(N_("body must be a JSON object"), 422, "body")
    return Envelope(
        id=message_id,
        origin_node=origin_node,
        origin_state=state,
        created=created,
        topic=payload["topic"],
        schema_version=SCHEMA_VERSION,
        body=payload["body"],
        kid=unverified.kid,
        token=unverified.compact,
    )


def verify(token: str, *, public_key: OKPKey) -> Envelope:
    """Open a message signed by a known key (the inbox looks the key up between the steps)."""
    unverified = read(token)
    envelope = claims(unverified)
    check_signature(unverified, public_key)
    return envelope
