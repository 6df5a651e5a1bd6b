"""What the transport needs from the node's identity and trust (fedcore), in one place.

The transport never reads the trust tables itself: who this node is, who its peers are, how
to sign and how to check come through these few functions, so the two halves meet here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from epibridge.federation.messages import Envelope
from epibridge.security import Visibility
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
    visibility: Visibility
    states: list[str]


def me(session: Session) -> Me | None:
    """This node, or None when no federation is set up (then nothing runs)."""
    raise NotImplementedError


def peers(session: Session, me: Me) -> list[PeerInfo]:
    """The nodes this one exchanges with: every trusted node on the hub; the hub elsewhere."""
    raise NotImplementedError


def seal(
    session: Session,
    settings: Settings,
    *,
    topic: str,
    body: dict[str, Any],
    visibility: Visibility,
    states: list[str],
    now: datetime,
) -> Envelope:
    """Sign a message with this node's current key."""
    raise NotImplementedError


def receive(session: Session, *, token: str, now: datetime) -> Received:
    """Verify and apply one message (the inbox); raise ``Refused``."""
    raise NotImplementedError


def verify(session: Session, *, token: str, now: datetime) -> Envelope:
    """Check a signed request or answer (signature, key, node): nothing stored, no replay check."""
    raise NotImplementedError
