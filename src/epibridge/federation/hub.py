"""The hub's side of trust: add a state's node, revoke keys, rotate keys, issue the list.

The hub's tables are the authority; every change issues the next signed version of the trust
list and publishes it to the outbox in the same transaction, so it reaches every node like any
other message (``topics/trust.py``). A national node rotates its own key here too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from joserfc.jwk import OKPKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from epibridge import audit
from epibridge.errors import Conflict, FieldError, InvalidInput, NotFound
from epibridge.federation import keys, trustlist
from epibridge.federation.models import FederationKey, FederationNode, FederationTrustList
from epibridge.federation.statuses import NodeRole
from epibridge.federation.trust import (
    KEY_ROTATED_TOPIC,
    TRUST_LIST_TOPIC,
    NodeView,
    check_node_id,
    check_url,
    find_node,
    key_row,
    require_self,
    signing_key,
    valid_at,
    view,
)
from epibridge.i18n import N_, Text
from epibridge.members import service as members
from epibridge.notifications.outbox import service as outbox
from epibridge.security import Action, Principal, authorize


def _listed(node: FederationNode) -> trustlist.ListedNode:
    return trustlist.ListedNode(
        node_id=node.node_id,
        role=node.role,
        state=node.state,
        url=node.url,
        keys=tuple(
            trustlist.ListedKey(k.jwk, k.not_before, k.not_after, k.revoked_at) for k in node.keys
        ),
    )


def issue_trust_list(
    session: Session, *, principal: Principal, keys_dir: Path, now: datetime
) -> int:
    """Sign the hub's tables as the next version of the trust list and send it to every node."""
    hub = require_self(session, NodeRole.HUB)
    session.flush()
    nodes = session.execute(
        select(FederationNode)
        .options(selectinload(FederationNode.keys))
        .order_by(FederationNode.node_id)
    ).scalars()
    version = (session.execute(select(func.max(FederationTrustList.version))).scalar() or 0) + 1
    listed = trustlist.TrustList(hub.node_id, version, now, tuple(_listed(n) for n in nodes))
    token = trustlist.sign(listed, key=signing_key(session, keys_dir=keys_dir, now=now))
    session.add(FederationTrustList(version=version, issued_at=now, token=token, stored_at=now))
    outbox.publish(
        session,
        actor=principal.actor,
        topic=TRUST_LIST_TOPIC,
        entity="federation_trust_list",
        entity_id=version,
        payload={"version": version},
    )
    return version


def _parse_key(jwk: str | dict[str, object], field: str = "key") -> OKPKey:
    try:
        return keys.parse_public_jwk(jwk)  # type: ignore[arg-type]
    except keys.BadKey as exc:
        raise InvalidInput(N_("invalid node key"), [FieldError(field, exc.reason, None)]) from exc


def add_key(session: Session, node: FederationNode, key: OKPKey, now: datetime) -> str:
    """Give ``node`` one more public key (valid from ``now``); refuse another node's key."""
    kid = keys.kid_of(key)
    existing = session.execute(
        select(FederationKey).where(FederationKey.kid == kid)
    ).scalar_one_or_none()
    if existing is not None and existing.node_pk != node.id:
        raise Conflict(N_("this key is already the key of another node"))
    if existing is None:
        node.keys.append(key_row(key, now))
    return kid


def add_node(
    session: Session,
    *,
    principal: Principal,
    node_id: str,
    state: str,
    url: str,
    jwk: str | dict[str, object],
    keys_dir: Path,
    now: datetime,
) -> NodeView:
    """Trust a state's node (or add a key to it: a manual rotation) and issue the trust list."""
    authorize(principal, Action.ADMINISTER)
    require_self(session, NodeRole.HUB)
    check_node_id(node_id)
    clean_url = check_url(url)
    code = members.require_state(session, state, field="state")
    key = _parse_key(jwk)
    node = find_node(session, node_id)
    if node is None:
        node = FederationNode(
            node_id=node_id, role=NodeRole.NATIONAL, state=code, url=clean_url, added_at=now
        )
        session.add(node)
        session.flush()
    elif node.is_self or node.state != code:
        raise Conflict(
            Text(
                N_("node {node_id} already speaks for {state}"),
                {"node_id": node_id, "state": node.state or "the Secretariat"},
            )
        )
    node.url = clean_url
    kid = add_key(session, node, key, now)
    audit.record(
        session,
        actor=principal.actor,
        action="federation.trust_added",
        entity="federation_node",
        entity_id=node_id,
        state={"state": code, "url": clean_url, "kid": kid},
    )
    issue_trust_list(session, principal=principal, keys_dir=keys_dir, now=now)
    return view(node)


def revoke(
    session: Session,
    *,
    principal: Principal,
    node_id: str,
    kid: str | None,
    keys_dir: Path,
    now: datetime,
) -> list[str]:
    """Revoke one key of a node, or all of them (the node leaves); issue the trust list."""
    authorize(principal, Action.ADMINISTER)
    require_self(session, NodeRole.HUB)
    node = find_node(session, node_id)
    if node is None:
        raise NotFound(
            N_("no node '{node_id}' in the trust list"),
            [FieldError("node_id", N_("unknown node"), node_id)],
            params={"node_id": node_id},
        )
    chosen = [k for k in node.keys if k.revoked_at is None and (kid is None or k.kid == kid)]
    if kid is not None and not chosen:
        raise NotFound(
            N_("node {node_id} has no unrevoked key {kid}"),
            [FieldError("kid", N_("unknown key"), kid)],
            params={"node_id": node_id, "kid": kid},
        )
    if node.is_self and len([k for k in node.keys if valid_at(k, now)]) <= len(chosen):
        raise Conflict(N_("the hub cannot revoke its last valid key: rotate first"))
    for key in chosen:
        key.revoked_at = now
    audit.record(
        session,
        actor=principal.actor,
        action="federation.key_revoked",
        entity="federation_node",
        entity_id=node_id,
        state={"kids": [k.kid for k in chosen]},
    )
    issue_trust_list(session, principal=principal, keys_dir=keys_dir, now=now)
    return [k.kid for k in chosen]


def rotate(
    session: Session,
    *,
    principal: Principal,
    keys_dir: Path,
    overlap: timedelta,
    now: datetime,
) -> keys.NodeKey:
    """A new key for this node; the current ones stay valid until ``now + overlap``.

    The hub announces it in a trust list signed by the old key; a national node announces it
    to the hub in a message signed by the old key (``federation.key_rotated``), and the hub's
    next trust list carries it to everyone.
    """
    authorize(principal, Action.ADMINISTER)
    node = require_self(session)
    if overlap <= timedelta(0):
        raise InvalidInput(
            N_("the overlap must be positive"), [FieldError("overlap", N_("days > 0"), None)]
        )
    retire_at = now + overlap
    retired = []
    for old in node.keys:
        if valid_at(old, now) and (old.not_after is None or old.not_after > retire_at):
            old.not_after = retire_at
            retired.append({"kid": old.kid, "not_after": retire_at})
    fresh = keys.generate(keys_dir)
    node.keys.append(key_row(fresh.key, now))
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="federation.key_rotated",
        entity="federation_node",
        entity_id=node.node_id,
        state={"kid": fresh.kid, "retired": retired},
    )
    if node.role is NodeRole.HUB:
        issue_trust_list(session, principal=principal, keys_dir=keys_dir, now=now)
    else:
        outbox.publish(
            session,
            actor=principal.actor,
            topic=KEY_ROTATED_TOPIC,
            entity="federation_node",
            entity_id=node.node_id,
            payload={"kid": fresh.kid},
            states=[node.state] if node.state else [],
        )
    return fresh
