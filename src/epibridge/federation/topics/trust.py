"""Trust travels as messages too: new trust lists from the hub, new keys from national nodes.

``federation.trust_list`` carries the hub's signed list inside the envelope; the receiver
checks the list's own signature against the hub keys it trusts (``join.accept_trust_list``),
so a relay cannot alter it. ``federation.key_rotated`` is a national node announcing its new
key, signed by its old one; the hub adds the key to that node (only that node: the envelope's
key check proved the origin) and issues the next trust list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.federation import envelope, hub, join, keys, trust, trustlist
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.federation.models import FederationKey, FederationTrustList
from epibridge.federation.statuses import NodeRole
from epibridge.i18n import N_
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Action, authorize


def _build_trust_list(session: Session, message: OutboxMessage) -> list[Outgoing]:
    token = session.execute(
        select(FederationTrustList.token).where(
            FederationTrustList.version == int(message.payload["version"])
        )
    ).scalar_one_or_none()
    if token is None:
        return []
    return [Outgoing(topic=trust.TRUST_LIST_TOPIC, body={"trust_list": token})]


def _build_key_rotated(session: Session, message: OutboxMessage) -> list[Outgoing]:
    me = trust.self_node(session)
    if me is None or me.role is not NodeRole.NATIONAL:
        return []
    by_kid = {key.kid: key for key in me.keys}
    fresh = by_kid.get(str(message.payload["kid"]))
    if fresh is None:
        return []
    retire = [
        {"kid": key.kid, "not_after": envelope.format_time(key.not_after)}
        for key in me.keys
        if key.kid != fresh.kid and key.not_after is not None and key.revoked_at is None
    ]
    body = {
        "jwk": fresh.jwk,
        "not_before": envelope.format_time(fresh.not_before),
        "retire": retire,
    }
    return [Outgoing(topic=trust.KEY_ROTATED_TOPIC, body=body, states=[])]


def _apply_trust_list(session: Session, message: Envelope) -> None:
    origin = trust.find_node(session, message.origin_node)
    if origin is None or origin.role is not NodeRole.HUB:
        raise Refused(401, N_("only the hub signs trust lists"), field_name="origin_node")
    me = trust.self_node(session)
    if me is None or me.role is NodeRole.HUB:
        return
    token = message.body.get("trust_list")
    if not isinstance(token, str):
        raise Refused(422, N_("the trust list is malformed"), field_name="body")
    held = session.execute(
        select(FederationTrustList.version).order_by(FederationTrustList.version.desc()).limit(1)
    ).scalar_one_or_none()
    if (
        held is not None and _version_of(token) <= held
    ):  # an older list arriving late: the newer one stands
        return
    join.accept_trust_list(
        session, principal=node_principal(origin.node_id, None), token=token, now=utcnow()
    )


def _version_of(token: str) -> int:
    payload = envelope.read(token, typ=trustlist.TYP).payload
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Refused(422, N_("the trust list is malformed"), field_name="body")
    return version


def _time(value: object) -> datetime:
    moment = envelope.parse_time(value)
    if moment is None:
        raise Refused(422, N_("the key announcement is malformed"), field_name="body")
    return moment


def _apply_key_rotated(session: Session, message: Envelope) -> None:
    me = trust.self_node(session)
    if me is None or me.role is not NodeRole.HUB:
        return  # only the hub keeps the list; the others hear of the key from it
    node = trust.find_node(session, message.origin_node)
    if node is None or node.state is None:
        raise Refused(401, N_("unknown signing key"), field_name="origin_node")
    principal = node_principal(node.node_id, node.state)
    authorize(principal, Action.WRITE_STATE, node.state)
    body = message.body
    try:
        public = keys.parse_public_jwk(body.get("jwk"))  # type: ignore[arg-type]
    except keys.BadKey as exc:
        raise Refused(422, exc.reason, field_name="body") from exc
    retire = body.get("retire")
    if not isinstance(retire, list):
        raise Refused(422, N_("the key announcement is malformed"), field_name="body")
    now = utcnow()
    kid = hub.add_key(session, node, public, max(_time(body.get("not_before")), now))
    own = {key.kid: key for key in node.keys}
    for item in retire:
        if not isinstance(item, dict) or item.get("kid") not in own:
            raise Refused(422, N_("the key announcement is malformed"), field_name="body")
        old: FederationKey = own[item["kid"]]
        end = _time(item.get("not_after"))
        if old.kid != kid and (old.not_after is None or end < old.not_after):
            old.not_after = end
    audit.record(
        session,
        actor=principal.actor,
        action="federation.key_announced",
        entity="federation_node",
        entity_id=node.node_id,
        state={"kid": kid, "retire": retire},
    )
    hub.issue_trust_list(session, principal=principal, keys_dir=trust.keys_dir_of(session), now=now)


BUILDERS = {trust.TRUST_LIST_TOPIC: _build_trust_list, trust.KEY_ROTATED_TOPIC: _build_key_rotated}
APPLIERS = {trust.TRUST_LIST_TOPIC: _apply_trust_list, trust.KEY_ROTATED_TOPIC: _apply_key_rotated}
