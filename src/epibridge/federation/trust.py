"""Who this node trusts: its own identity, the hub's trust list, and the key check of messages.

On the hub the tables are the authority: ``add_node``, ``revoke`` and ``rotate`` change them
and issue a new signed trust list (published to the outbox in the same transaction, so it
travels to every node like any other message). On a national node the tables are a copy of the
last trust list accepted (``join``, then ``accept_trust_list``), plus its own keys not yet
announced. ``key_for`` is the one check every incoming message passes: known key, valid when
the message was made, not revoked, belonging to the claimed node, which speaks for the claimed
state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from joserfc.jwk import OKPKey
from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session, selectinload

from epibridge import audit
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.federation import keys
from epibridge.federation.messages import Refused
from epibridge.federation.models import FederationKey, FederationNode, FederationTrustList
from epibridge.federation.statuses import NodeRole
from epibridge.i18n import N_, Text
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize

#: Outbox topic (and federation topic) of a new trust list.
TRUST_LIST_TOPIC = "federation.trust_list"
#: Outbox topic (and federation topic) of a national node announcing its new key.
KEY_ROTATED_TOPIC = "federation.key_rotated"
_NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


@dataclass(frozen=True)
class KeyView:
    kid: str
    jwk: dict[str, str]
    not_before: datetime
    not_after: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return N_("revoked")
        if self.not_before > now:
            return N_("not yet valid")
        if self.not_after is not None and self.not_after <= now:
            return N_("expired")
        return N_("valid")


@dataclass(frozen=True)
class NodeView:
    node_id: str
    role: NodeRole
    state: str | None
    url: str
    is_self: bool
    keys: tuple[KeyView, ...]


def view(node: FederationNode) -> NodeView:
    return NodeView(
        node.node_id,
        node.role,
        node.state,
        node.url,
        node.is_self,
        tuple(KeyView(k.kid, k.jwk, k.not_before, k.not_after, k.revoked_at) for k in node.keys),
    )


# -- reading ---------------------------------------------------------------------------------


def self_node(session: Session) -> FederationNode | None:
    """This node's row, or None when federation is not set up (then nothing changes)."""
    return session.execute(
        select(FederationNode)
        .options(selectinload(FederationNode.keys))
        .where(FederationNode.is_self.is_(True))
    ).scalar_one_or_none()


#: Where a session keeps this node's id once read (a node's id never changes once set up).
_SELF_ID = "epibridge.federation.self_id"


def self_node_id(session: Session) -> str | None:
    """This node's id (None: federation not set up), read once per session.

    Every received message asks who this node is; the id alone, without the keys, is enough.
    """
    known = session.info.get(_SELF_ID)
    if known is None:
        known = session.execute(
            select(FederationNode.node_id).where(FederationNode.is_self.is_(True))
        ).scalar_one_or_none()
        if known is not None:
            session.info[_SELF_ID] = known
    return known


def require_self(session: Session, role: NodeRole | None = None) -> FederationNode:
    node = self_node(session)
    if node is None:
        raise Conflict(N_("federation is not set up here: run epibridge federation init first"))
    if role is NodeRole.HUB and node.role is not NodeRole.HUB:
        raise Conflict(N_("only the hub keeps the trust list"))
    if role is NodeRole.NATIONAL and node.role is not NodeRole.NATIONAL:
        raise Conflict(N_("the hub does not join: it is the hub"))
    return node


def list_nodes(session: Session, *, principal: Principal) -> list[NodeView]:
    """Every node this node knows, itself included, with its keys."""
    authorize(principal, Action.READ_MEMBERS)
    rows = session.execute(
        select(FederationNode)
        .options(selectinload(FederationNode.keys))
        .order_by(FederationNode.is_self.desc(), FederationNode.node_id)
    ).scalars()
    return [view(node) for node in rows]


def find_node(session: Session, node_id: str) -> FederationNode | None:
    return session.execute(
        select(FederationNode)
        .options(selectinload(FederationNode.keys))
        .where(FederationNode.node_id == node_id)
    ).scalar_one_or_none()


def describe_self(session: Session) -> NodeView | None:
    """This node's public identity (``GET /api/v1/federation/node``): public keys only."""
    node = self_node(session)
    return None if node is None else view(node)


def latest_trust_list(session: Session) -> str | None:
    """The newest signed trust list held (issued by this hub, or received from it)."""
    return session.execute(
        select(FederationTrustList.token).order_by(FederationTrustList.version.desc()).limit(1)
    ).scalar_one_or_none()


def keys_dir_of(session: Session) -> Path:
    """The deployment's key folder (``VAR_DIR/keys``), known to every session's audit trail."""
    return audit.trail_of(session).keys_dir


def valid_at(key: FederationKey, moment: datetime) -> bool:
    return (
        key.revoked_at is None
        and key.not_before <= moment
        and (key.not_after is None or moment < key.not_after)
    )


def signing_key(session: Session, *, keys_dir: Path, now: datetime) -> keys.NodeKey:
    """The key this node signs with now: the valid one that expires first.

    After a rotation the old key keeps signing until its overlap ends, so peers that have not
    yet received the trust list announcing the new key still verify everything; then the new
    key takes over.
    """
    node = require_self(session)
    usable = [k for k in node.keys if valid_at(k, now)]
    usable.sort(key=lambda k: (k.not_after is None, k.not_after or k.not_before, k.not_before))
    for key in usable:
        try:
            return keys.load(keys_dir, key.kid)
        except FileNotFoundError:
            continue
    raise Conflict(N_("this node has no valid signing key: run epibridge federation keys rotate"))


#: Parsed public keys by their JWK text: parsing costs more than the look-up, and a JWK's
#: text names one key (the row's validity and revocation are read every time).
_PARSED: dict[str, OKPKey] = {}


def _parsed(jwk: dict[str, Any]) -> OKPKey:
    text = json.dumps(jwk, sort_keys=True)
    key = _PARSED.get(text)
    if key is None:
        key = keys.parse_public_jwk(jwk)
        if len(_PARSED) > 10_000:
            _PARSED.clear()
        _PARSED[text] = key
    return key


#: Where a session keeps the key rows it read: a page of messages signed with one key looks
#: it up once. Any change of keys or nodes in the session forgets them (``_forget_keys``;
#: the trust list's bulk delete calls ``forget_keys``).
_KEY_ROWS = "epibridge.federation.key_rows"


def _key_row(session: Session, kid: str) -> Any:
    return session.execute(
        select(
            FederationKey.jwk,
            FederationKey.revoked_at,
            FederationKey.not_before,
            FederationKey.not_after,
            FederationNode.node_id,
            FederationNode.state,
        )
        .join(FederationNode, FederationKey.node_pk == FederationNode.id)
        .where(FederationKey.kid == kid)
    ).first()


def forget_keys(session: Session) -> None:
    """Drop the key rows a session remembers (after keys or nodes change in it)."""
    session.info.pop(_KEY_ROWS, None)


def _forget_keys(_mapper: object, _connection: object, row: object) -> None:
    session = object_session(row)
    if session is not None:
        forget_keys(session)


for _model in (FederationKey, FederationNode):
    for _change in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _change, _forget_keys)


def key_for(
    session: Session,
    *,
    kid: str,
    origin_node: str,
    origin_state: str | None,
    created: datetime,
) -> OKPKey:
    """The public key that must have signed a message; ``Refused`` when none may.

    401 when the key is not known here (it may be, once the next trust list arrives: a sender
    tries again); 422 when it is known and could never have signed this message (revoked, not
    valid when the message was made, another node's, another state's), so a sender records
    the refusal and goes on instead of holding everything behind it.

    Read once per session (one transaction: a message, or a pulled page) and forgotten as
    soon as the session changes a key or a node, so a revocation or a new trust list takes
    effect on the next transaction, never after a cache expires.
    """
    cached = session.info.setdefault(_KEY_ROWS, {})
    row = cached.get(kid)
    if row is None:
        row = cached[kid] = _key_row(session, kid)
    if row is None:
        raise Refused(401, N_("unknown signing key"), field_name="kid")
    if row.revoked_at is not None:
        raise Refused(422, N_("the signing key was revoked"), field_name="kid")
    if row.not_before > created or (row.not_after is not None and created >= row.not_after):
        raise Refused(
            422, N_("the signing key was not valid when the message was made"), field_name="kid"
        )
    if row.node_id != origin_node:
        raise Refused(422, N_("the signing key belongs to another node"), field_name="origin_node")
    if row.state != origin_state:
        raise Refused(
            422,
            Text(
                N_("node {node} may not speak for {state}"),
                {"node": origin_node, "state": origin_state or "the Secretariat"},
            ),
            field_name="origin_state",
        )
    return _parsed(row.jwk)


# -- setting up ------------------------------------------------------------------------------


def check_node_id(node_id: str, field: str = "node_id") -> str:
    if not _NODE_ID.fullmatch(node_id or ""):
        raise InvalidInput(
            N_("invalid node id '{node_id}'"),
            [FieldError(field, N_("letters, digits, . _ : - (at most 100)"), node_id)],
            params={"node_id": node_id},
        )
    return node_id


def check_url(url: str, field: str = "url") -> str:
    clean = (url or "").strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", clean) or len(clean) > 500:
        raise InvalidInput(
            N_("invalid node URL '{url}'"),
            [FieldError(field, N_("an http or https URL"), url)],
            params={"url": url},
        )
    return clean


def key_row(key: OKPKey, now: datetime) -> FederationKey:
    return FederationKey(kid=keys.kid_of(key), jwk=keys.public_jwk(key), not_before=now)


def init_node(
    session: Session,
    *,
    principal: Principal,
    node_id: str,
    url: str,
    state: str | None,
    hub: bool,
    keys_dir: Path,
    now: datetime,
) -> keys.NodeKey:
    """Make this deployment a node (the hub, or a state's node): its row and its first key."""
    authorize(principal, Action.ADMINISTER)
    if self_node(session) is not None:
        raise Conflict(N_("this node is already set up"))
    check_node_id(node_id)
    clean_url = check_url(url)
    if hub and state:
        raise InvalidInput(
            N_("the hub speaks for the Secretariat, not a state"),
            [FieldError("state", N_("leave it out with --hub"), state)],
        )
    if not hub:
        state = members.require_state(session, state or "", field="state")
    key = keys.generate(keys_dir)
    node = FederationNode(
        node_id=node_id,
        role=NodeRole.HUB if hub else NodeRole.NATIONAL,
        state=None if hub else state,
        url=clean_url,
        is_self=True,
        added_at=now,
    )
    node.keys.append(key_row(key.key, now))
    session.add(node)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="federation.init",
        entity="federation_node",
        entity_id=node_id,
        state={"role": node.role.value, "state": node.state, "url": clean_url, "kid": key.kid},
    )
    if hub:
        from epibridge.federation.hub import issue_trust_list  # the hub's module builds on this

        issue_trust_list(session, principal=principal, keys_dir=keys_dir, now=now)
    return key
