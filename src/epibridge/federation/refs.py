"""References between nodes: {"node": origin node (None: the sender itself), "id": id there}.

A receiver turns a reference into a local row: the sender's own record (node None) is the
replica of the sender's id; a record of this very node is a local record; any other node's
is that node's replica here. Which node "this" is comes from fedcore's node table
(``node_identity.this_node_id``); builders name their own records with it (``named``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.federation.messages import Envelope, Refused, TooEarly
from epibridge.i18n import N_, Text

#: How long after it was made a message naming a record not held here is answered "too
#: early" (425: its sender tries again, and nothing of it is remembered). The hub relays in
#: the order it applied, so a referent missing for longer is not on its way (it was never
#: shared with this node, or was refused here): the message is then refused for good (422).
WAIT_FOR_REFERENT = timedelta(hours=1)


def _from_node_table(session: Session) -> str | None:
    from epibridge.federation.node_identity import this_node_id

    return this_node_id(session)


#: Returns this node's id, or None when federation is not set up (tests replace it).
this_node_resolver: Callable[[Session], str | None] = _from_node_table


def this_node(session: Session) -> str | None:
    return this_node_resolver(session)


def named(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with this node's id in its references to this node's own records (node None)."""
    me = this_node(session)
    if me is None:
        return body
    out = dict(body)
    for key, value in body.items():
        if isinstance(value, dict) and set(value) == {"node", "id"} and value["node"] is None:
            out[key] = {"node": me, "id": value["id"]}
    return out


def owner(session: Session, envelope: Envelope, ref: dict[str, Any] | None) -> str | None:
    """The node a reference names as it is stored here: None for this node's own records."""
    node = (ref or {}).get("node") or envelope.origin_node
    return None if node == this_node(session) else node


def not_held(envelope: Envelope, reason: str, field_name: str) -> Refused:
    """The refusal of a message naming a record this node does not hold: too early while the
    message is young (the record may be on its way: a push and a pull racing), else final."""
    if envelope.created >= utcnow() - WAIT_FOR_REFERENT:
        return TooEarly(reason, field_name=field_name)
    return Refused(422, reason, field_name=field_name)


def unknown(envelope: Envelope, what: str, ref: dict[str, Any] | None, field_name: str) -> Refused:
    """A message naming a record this node does not hold (sent out of order, or never shared)."""
    return not_held(
        envelope,
        Text(
            N_("the message names {what} {id} of node {node}, unknown here"),
            {"what": what, "id": (ref or {}).get("id"), "node": (ref or {}).get("node")},
        ),
        field_name,
    )


def require_own(envelope: Envelope, ref: dict[str, Any], field_name: str) -> None:
    """A node sends only its own records: a body about another node's record is refused."""
    node = ref.get("node")
    if node is not None and node != envelope.origin_node:
        raise Refused(
            422,
            Text(
                N_("node {sender} sent a record of node {node}: only its own travel"),
                {"sender": envelope.origin_node, "node": node},
            ),
            field_name=field_name,
        )
