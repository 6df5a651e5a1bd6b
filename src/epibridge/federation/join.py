"""A national node's side of trust: join the hub (pin its key), then accept each new list.

``join`` is the one moment the operator's judgement enters: the hub's public key, read from
the hub's operator over a channel they trust (not from the network being joined), is pinned;
the trust list fetched over HTTP counts only if that key signed it. After that every list must
be signed by a hub key the previous list announced (the hub's rotation) and be newer than the
last one, so neither a network attacker nor a replayed old list changes who is trusted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from joserfc.jwk import OKPKey
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from epibridge import audit
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.federation import envelope, keys, trustlist
from epibridge.federation.messages import Refused
from epibridge.federation.models import FederationKey, FederationNode, FederationTrustList
from epibridge.federation.statuses import NodeRole
from epibridge.federation.trust import forget_keys, require_self, valid_at
from epibridge.i18n import N_
from epibridge.notifications.outbox.addresses import RefusedAddress, check_host, parse_networks
from epibridge.security import Action, Principal, authorize

TRUST_LIST_PATH = "/api/v1/federation/trust-list"
#: How far in the future a signed time may be (clocks of two servers disagree a little).
CLOCK_SKEW = timedelta(minutes=5)


def check_peer_url(url: str, *, allowed_networks: str, field: str = "url") -> None:
    """Refuse a peer URL whose host is not public, unless inside an allowed network (SSRF)."""
    host = urlsplit(url).hostname or ""
    try:
        check_host(host, parse_networks(allowed_networks))
    except RefusedAddress as exc:
        raise InvalidInput(
            N_("{url} is not an address federation may reach"),
            [FieldError(field, N_("see EPIBRIDGE_FEDERATION_ALLOWED_NETWORKS"), url)],
            params={"url": url},
        ) from exc


def fetch_trust_list(hub_url: str, *, allowed_networks: str, timeout: float = 30.0) -> str:
    """GET the hub's signed trust list (not trusted yet: ``join`` checks it)."""
    base = hub_url.strip().rstrip("/")
    check_peer_url(base, allowed_networks=allowed_networks, field="hub_url")
    try:
        with httpx.stream(
            "GET", base + TRUST_LIST_PATH, timeout=timeout, follow_redirects=False
        ) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > envelope.MAX_TOKEN_BYTES:  # not a trust list: stop reading
                    break
    except httpx.HTTPError as exc:
        raise InvalidInput(
            N_("the hub at {url} did not answer"),
            [FieldError("hub_url", N_("check the URL and that the hub runs"), hub_url)],
            params={"url": hub_url},
        ) from exc
    if response.status_code != 200:
        raise InvalidInput(
            N_("the hub at {url} answered {status} instead of its trust list"),
            [FieldError("hub_url", N_("check the URL and that the hub runs"), hub_url)],
            params={"url": hub_url, "status": response.status_code},
        )
    return body.decode("utf-8", "replace").strip()


def _hub_key(session: Session, kid: str) -> FederationKey | None:
    return session.execute(
        select(FederationKey)
        .join(FederationNode)
        .options(selectinload(FederationKey.node))
        .where(FederationKey.kid == kid, FederationNode.role == NodeRole.HUB)
    ).scalar_one_or_none()


def _check_listed_signer(listed: trustlist.TrustList, kid: str, now: datetime) -> None:
    hub = next(node for node in listed.nodes if node.role is NodeRole.HUB)
    key = next((k for k in hub.keys if k.kid == kid), None)
    if key is None or key.revoked_at is not None:
        raise Refused(
            401, N_("the trust list is not signed by a trusted hub key"), field_name="trust_list"
        )
    if listed.issued > now + CLOCK_SKEW:
        raise Refused(422, N_("the trust list is dated in the future"), field_name="trust_list")


def _store(
    session: Session, me: FederationNode, listed: trustlist.TrustList, now: datetime
) -> None:
    """Replace every other node by the list's; update this node's keys from it."""
    mine = next((node for node in listed.nodes if node.node_id == me.node_id), None)
    if mine is None or mine.state != me.state or mine.role is not NodeRole.NATIONAL:
        raise Conflict(N_("the hub's trust list does not list this node for its state yet"))
    others = select(FederationNode.id).where(FederationNode.is_self.is_(False))
    session.execute(delete(FederationKey).where(FederationKey.node_pk.in_(others)))
    session.execute(delete(FederationNode).where(FederationNode.is_self.is_(False)))
    session.expire_all()
    forget_keys(session)
    me = require_self(session)
    for node in listed.nodes:
        if node.node_id == me.node_id:
            continue
        row = FederationNode(
            node_id=node.node_id, role=node.role, state=node.state, url=node.url, added_at=now
        )
        row.keys.extend(_rows(node.keys))
        session.add(row)
    held = {key.kid: key for key in me.keys}
    for key in mine.keys:
        if key.kid in held:
            held[key.kid].not_after, held[key.kid].revoked_at = key.not_after, key.revoked_at
        else:
            me.keys.extend(_rows((key,)))
    session.flush()
    known = session.execute(
        select(FederationTrustList.id).where(FederationTrustList.version == listed.version)
    ).scalar_one_or_none()
    if known is None:
        session.add(
            FederationTrustList(
                version=listed.version, issued_at=listed.issued, token=listed.token, stored_at=now
            )
        )


def _rows(listed: tuple[trustlist.ListedKey, ...]) -> list[FederationKey]:
    return [
        FederationKey(
            kid=k.kid,
            jwk=k.jwk,
            not_before=k.not_before,
            not_after=k.not_after,
            revoked_at=k.revoked_at,
        )
        for k in listed
    ]


def accept_trust_list(session: Session, *, principal: Principal, token: str, now: datetime) -> int:
    """Take a newer trust list signed by a hub key this node trusts; return its version."""
    authorize(principal, Action.ADMINISTER)
    me = require_self(session, NodeRole.NATIONAL)
    kid = trustlist.signing_kid(token)
    signer = _hub_key(session, kid)
    if signer is None:
        raise Refused(
            401, N_("the trust list is not signed by a trusted hub key"), field_name="trust_list"
        )
    listed = trustlist.open_signed(token, signer=keys.parse_public_jwk(signer.jwk))
    if listed.hub != signer.node.node_id or not valid_at(signer, listed.issued):
        raise Refused(
            401, N_("the trust list is not signed by a trusted hub key"), field_name="trust_list"
        )
    _check_listed_signer(listed, kid, now)
    current = session.execute(select(func.max(FederationTrustList.version))).scalar() or 0
    if listed.version < current or (
        listed.version == current and token != _token(session, current)
    ):
        raise Refused(
            422, N_("the trust list is older than the one this node holds"), field_name="version"
        )
    if listed.version == current:
        return current
    _store(session, me, listed, now)
    audit.record(
        session,
        actor=principal.actor,
        action="federation.trust_list_accepted",
        entity="federation_trust_list",
        entity_id=listed.version,
        state={"hub": listed.hub, "signed_by": kid, "nodes": len(listed.nodes)},
    )
    return listed.version


def _token(session: Session, version: int) -> str | None:
    return session.execute(
        select(FederationTrustList.token).where(FederationTrustList.version == version)
    ).scalar_one_or_none()


def join(
    session: Session,
    *,
    principal: Principal,
    hub_key: str,
    token: str,
    now: datetime,
) -> int:
    """Pin the hub's key and accept the trust list it signed (``fetch_trust_list`` got it).

    Joining again (say after being offline past a hub key's overlap) re-pins: the operator's
    key replaces whatever this node trusted before.
    """
    authorize(principal, Action.ADMINISTER)
    me = require_self(session, NodeRole.NATIONAL)
    try:
        pinned: OKPKey = keys.parse_public_jwk(hub_key)
    except keys.BadKey as exc:
        raise InvalidInput(
            N_("invalid hub key"), [FieldError("hub_key", exc.reason, None)]
        ) from exc
    kid = keys.kid_of(pinned)
    listed = trustlist.open_signed(token, signer=pinned, kid_check=kid)
    _check_listed_signer(listed, kid, now)
    hub = next(node for node in listed.nodes if node.role is NodeRole.HUB)
    key = next(k for k in hub.keys if k.kid == kid)
    if key.not_before > listed.issued or (key.not_after and listed.issued >= key.not_after):
        raise Refused(
            401, N_("the trust list is not signed by a trusted hub key"), field_name="trust_list"
        )
    _store(session, me, listed, now)
    audit.record(
        session,
        actor=principal.actor,
        action="federation.joined",
        entity="federation_trust_list",
        entity_id=listed.version,
        state={"hub": listed.hub, "pinned": kid, "nodes": len(listed.nodes)},
    )
    return listed.version
