"""What the transport needs from the node's identity and trust (fedcore), in one place.

Who this node is, who its peers are, how to sign and how to check come through these few
functions, so the transport's rules never depend on how the trust tables are laid out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.federation import envelope as envelopes
from epibridge.federation import keys
from epibridge.federation.messages import Envelope, Refused
from epibridge.settings import Settings


@dataclass(frozen=True)
class Me:
    node_id: str
    #: None on the hub (it speaks for the Secretariat).
    state: str | None
    hub: bool
    #: When federation was set up here: the exporter starts reading the outbox from then.
    since: datetime | None


@dataclass(frozen=True)
class PeerInfo:
    node_id: str
    state: str | None
    url: str


@dataclass(frozen=True)
class Received:
    envelope: Envelope
    duplicate: bool


_ME = "epibridge.federation.me"


def me(session: Session) -> Me | None:
    """This node, or None when no federation is set up (then nothing runs).

    Read once per session: a node's identity does not change once it is set up.
    """
    from epibridge.federation.models import FederationNode
    from epibridge.federation.statuses import NodeRole

    known = session.info.get(_ME)
    if known is not None:
        return known
    row = session.execute(
        select(
            FederationNode.node_id,
            FederationNode.state,
            FederationNode.role,
            FederationNode.added_at,
        ).where(FederationNode.is_self.is_(True))
    ).first()
    if row is None:
        return None
    session.info[_ME] = found = Me(row.node_id, row.state, row.role == NodeRole.HUB, row.added_at)
    return found


def peers(session: Session, me: Me) -> list[PeerInfo]:
    """The nodes this one exchanges with: every other trusted node on the hub; the hub else."""
    from epibridge.federation.models import FederationNode
    from epibridge.federation.statuses import NodeRole

    query = select(FederationNode).where(FederationNode.is_self.is_(False))
    if not me.hub:
        query = query.where(FederationNode.role == NodeRole.HUB)
    rows = session.execute(query.order_by(FederationNode.node_id)).scalars()
    return [PeerInfo(r.node_id, r.state, r.url) for r in rows]


@dataclass(frozen=True)
class Signer:
    """This node's identity and the key it signs with now, looked up once for a batch."""

    node_id: str
    state: str | None
    key: keys.NodeKey

    def seal(self, *, topic: str, body: dict[str, Any], now: datetime) -> Envelope:
        token = envelopes.seal(
            key=self.key,
            origin_node=self.node_id,
            origin_state=self.state,
            topic=topic,
            body=body,
            created=now,
        )
        return peek(token)


def signer(session: Session, settings: Settings, *, now: datetime) -> Signer:
    """The signer of this node now (raise ``Conflict`` when it has no valid key)."""
    from epibridge.federation import trust

    row = trust.require_self(session)
    key = trust.signing_key(session, keys_dir=keys.keys_dir(settings.var_dir), now=now)
    return Signer(row.node_id, row.state, key)


def seal(
    session: Session,
    settings: Settings,
    *,
    topic: str,
    body: dict[str, Any],
    now: datetime,
) -> Envelope:
    """Sign one message as this node with the key it signs with now."""
    return signer(session, settings, now=now).seal(topic=topic, body=body, now=now)


@dataclass(frozen=True)
class Read:
    """A token parsed once: its claims (not yet trusted) and what the inbox checks next."""

    token: envelopes.Unverified
    claims: Envelope


def read(token: str) -> Read:
    unverified = envelopes.read(token)
    return Read(unverified, envelopes.claims(unverified))


def peek(token: str) -> Envelope:
    """The claims of a token, not yet trusted (to find its origin before checking it)."""
    return envelopes.claims(envelopes.read(token))


def receive(
    session: Session,
    *,
    token: str,
    now: datetime,
    settings: Settings,
    read: envelopes.Unverified | None = None,
) -> Received:
    """Verify and apply one message in the caller's transaction (the inbox); raise ``Refused``."""
    from epibridge.federation import inbox

    receipt = inbox.receive(session, token=token, now=now, max_age=max_age(settings), read=read)
    return Received(receipt.envelope, receipt.duplicate)


def max_age(settings: Settings) -> timedelta:
    days = getattr(settings, "federation_max_age_days", 30)
    return timedelta(days=days)


def log_refusal(
    sessions: sessionmaker[Session], *, token: str, refused: Refused, now: datetime
) -> None:
    """Write the refusal in a transaction of its own (the message's was rolled back)."""
    from epibridge.federation import inbox

    inbox.log_refusal(sessions, token=token, refused=refused, now=now)


def verify(session: Session, *, token: str, now: datetime) -> Envelope:
    """Check a signed request, answer or route (signature, key, node): no replay check."""
    from epibridge.federation import trust

    unverified = envelopes.read(token)
    claimed = envelopes.claims(unverified)
    key = trust.key_for(
        session,
        kid=unverified.kid,
        origin_node=claimed.origin_node,
        origin_state=claimed.origin_state,
        created=claimed.created,
    )
    envelopes.check_signature(unverified, key)
    return claimed
