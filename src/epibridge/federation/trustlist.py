"""The trust list: which nodes exist, which state each speaks for, their keys and validity.

The hub builds it from its tables and signs it (a compact JWS like an envelope, ``typ``
``epibridge-trust-list+jws``); a national node accepts a list only when a hub key it already
trusts signed it (the key pinned at ``join``, then the hub keys the lists announced), and only
a newer version than the one it holds, so an old list cannot be replayed to bring back a
revoked key. Relays cannot alter it: it is checked against the hub's key wherever it travels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc.jwk import OKPKey

from epibridge.federation import envelope, keys
from epibridge.federation.messages import Refused
from epibridge.federation.statuses import NodeRole
from epibridge.i18n import N_

TYP = "epibridge-trust-list+jws"
FORMAT = "epibridge-trust-list/1"


@dataclass(frozen=True)
class ListedKey:
    jwk: dict[str, str]
    not_before: datetime
    not_after: datetime | None
    revoked_at: datetime | None

    @property
    def kid(self) -> str:
        return self.jwk["kid"]


@dataclass(frozen=True)
class ListedNode:
    node_id: str
    role: NodeRole
    state: str | None
    url: str
    keys: tuple[ListedKey, ...]


@dataclass(frozen=True)
class TrustList:
    hub: str
    version: int
    issued: datetime
    nodes: tuple[ListedNode, ...]
    token: str = ""

    def payload(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "hub": self.hub,
            "version": self.version,
            "issued": envelope.format_time(self.issued),
            "nodes": [_node_payload(node) for node in self.nodes],
        }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else envelope.format_time(moment)


def _node_payload(node: ListedNode) -> dict[str, Any]:
    return {
        "node_id": node.node_id,
        "role": node.role.value,
        "state": node.state,
        "url": node.url,
        "keys": [
            {
                "jwk": key.jwk,
                "not_before": _time(key.not_before),
                "not_after": _time(key.not_after),
                "revoked_at": _time(key.revoked_at),
            }
            for key in node.keys
        ],
    }


def sign(trust_list: TrustList, *, key: keys.NodeKey) -> str:
    return envelope.sign(trust_list.payload(), key=key, typ=TYP)


def _refuse(reason: str = N_("the trust list is malformed")) -> Refused:
    return Refused(422, reason, field_name="trust_list")


def _req_time(value: object) -> datetime:
    moment = envelope.parse_time(value)
    if moment is None:
        raise _refuse()
    return moment


def _opt_time(value: object) -> datetime | None:
    return None if value is None else _req_time(value)


def _parse_key(data: object) -> ListedKey:
    if not isinstance(data, dict) or set(data) != {"jwk", "not_before", "not_after", "revoked_at"}:
        raise _refuse()
    try:
        public = keys.parse_public_jwk(data["jwk"])
    except keys.BadKey as exc:
        raise _refuse() from exc
    return ListedKey(
        jwk=keys.public_jwk(public),
        not_before=_req_time(data["not_before"]),
        not_after=_opt_time(data["not_after"]),
        revoked_at=_opt_time(data["revoked_at"]),
    )


def _parse_node(data: object) -> ListedNode:
    if not isinstance(data, dict) or set(data) != {"node_id", "role", "state", "url", "keys"}:
        raise _refuse()
    try:
        role = NodeRole(data["role"])
    except ValueError as exc:
        raise _refuse() from exc
    state, node_id, url = data["state"], data["node_id"], data["url"]
    if (
        not isinstance(node_id, str)
        or not isinstance(url, str)
        or not isinstance(data["keys"], list)
    ):
        raise _refuse()
    if (role is NodeRole.HUB) != (state is None) or (
        state is not None and not (isinstance(state, str) and len(state) == 3 and state.isupper())
    ):
        raise _refuse()
    return ListedNode(node_id, role, state, url, tuple(_parse_key(k) for k in data["keys"]))


def parse(payload: dict[str, Any], token: str) -> TrustList:
    """The list's content, checked for shape (signature checked by the caller)."""
    if set(payload) != {"format", "hub", "version", "issued", "nodes"}:
        raise _refuse()
    version = payload["version"]
    if payload["format"] != FORMAT or not isinstance(version, int) or isinstance(version, bool):
        raise _refuse()
    if version < 1 or not isinstance(payload["nodes"], list):
        raise _refuse()
    nodes = tuple(_parse_node(node) for node in payload["nodes"])
    ids = [node.node_id for node in nodes]
    kids = [key.kid for node in nodes for key in node.keys]
    if len(set(ids)) != len(ids) or len(set(kids)) != len(kids):
        raise _refuse()
    hubs = [node for node in nodes if node.role is NodeRole.HUB]
    if len(hubs) != 1 or hubs[0].node_id != payload["hub"]:
        raise _refuse()
    return TrustList(payload["hub"], version, _req_time(payload["issued"]), nodes, token)


def open_signed(token: str, *, signer: OKPKey | None, kid_check: str | None = None) -> TrustList:
    """Verify a signed list against ``signer`` (a trusted hub key) and parse it."""
    unverified = envelope.read(token, typ=TYP)
    if signer is None or (kid_check is not None and unverified.kid != kid_check):
        raise Refused(
            401, N_("the trust list is not signed by a trusted hub key"), field_name="trust_list"
        )
    envelope.check_signature(unverified, signer)
    return parse(unverified.payload, unverified.compact)


def signing_kid(token: str) -> str:
    return envelope.read(token, typ=TYP).kid
