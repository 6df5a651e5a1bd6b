"""The values every part of federation passes around: a verified envelope, a message to send.

Kept in one small module so the inbox (which verifies), the topic handlers (which build and
apply bodies) and the transport (which signs, pushes and pulls) agree on one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from epibridge.security import Principal, Role, Visibility

#: Bumped when a body's shape changes incompatibly; a receiver refuses versions it does not know.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Envelope:
    """A message whose signature, key, origin, freshness and replay were checked by the inbox."""

    id: str
    origin_node: str
    #: The state the origin node speaks for (None: the hub, which speaks for the Secretariat).
    origin_state: str | None
    created: datetime
    topic: str
    schema_version: int
    body: dict[str, Any]
    #: The key id that signed it, and the compact JWS exactly as received (relayed untouched).
    kid: str
    token: str


@dataclass(frozen=True)
class Outgoing:
    """One message a topic builder wants sent: who may see it follows today's visibility rules."""

    topic: str
    body: dict[str, Any]
    visibility: Visibility = Visibility.MEMBERS
    #: States particularly addressed; empty means every node the visibility allows.
    states: list[str] = field(default_factory=list)


class Refused(Exception):
    """A message the inbox will not store; ``status`` is 401 (signature, key) or 422 (content).

    ``reason`` is a message id (``N_``) or a ``Text`` with its parameters, translated at the face.
    """

    def __init__(self, status: int, reason: str, *, field_name: str = "message") -> None:
        super().__init__(str(reason))
        self.status = status
        self.reason = reason
        self.field_name = field_name


#: The status of a message that names a record not held here yet (RFC 8470 "Too Early").
TOO_EARLY = 425


class TooEarly(Refused):
    """A message naming a record this node does not hold yet (it may be on its way).

    Nothing of it is stored and its id is not remembered, so the sender's next push (which
    retries 425) or our next pull delivers it again once the record it names has arrived.
    """

    def __init__(self, reason: str, *, field_name: str = "body") -> None:
        super().__init__(TOO_EARLY, reason, field_name=field_name)


def node_principal(node_id: str, state: str | None) -> Principal:
    """Who applies a verified message: a system principal bound to the origin's state.

    A national node's messages are applied as ``federation:<node id>`` with the ``system`` role
    of its state, so the usual ``authorize`` refuses a write for any other state; the hub's own
    messages (trust-list updates, Secretariat records) carry no state.
    """
    role = Role.SYSTEM if state else Role.OPERATOR
    return Principal(user_id=0, name=node_id, role=role, state=state, kind="federation")
