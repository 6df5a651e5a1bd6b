"""References between nodes: {"node": origin node (None: the sender itself), "id": id there}.

A receiver turns a reference into a local row: the sender's own record (node None) is the
replica of the sender's id; a record of this very node is a local record; any other node's
is that node's replica here. Which node "this" is comes from fedcore's node table; until the
lead wires it (``this_node_resolver``), a node that knows no identity treats no reference
as its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from epibridge.federation.messages import Envelope, Refused
from epibridge.i18n import N_, Text


#: Returns this node's id, or None when federation is not set up; replaced at merge/in tests.
def _self_id(session: Session) -> str | None:
    from epibridge.federation.transport import core  # fedcore's node table (integration)

    node = core.me(session)
    return node.node_id if node is not None else None


this_node_resolver: Callable[[Session], str | None] = _self_id


def this_node(session: Session) -> str | None:
    return this_node_resolver(session)


def owner(session: Session, envelope: Envelope, ref: dict[str, Any] | None) -> str | None:
    """The node a reference names as it is stored here: None for this node's own records."""
    node = (ref or {}).get("node") or envelope.origin_node
    return None if node == this_node(session) else node


def unknown(what: str, ref: dict[str, Any] | None, field_name: str) -> Refused:
    """A message naming a record this node does not hold (sent out of order, or never shared)."""
    return Refused(
        422,
        Text(
            N_("the message names {what} {id} of node {node}, unknown here"),
            {"what": what, "id": (ref or {}).get("id"), "node": (ref or {}).get("node")},
        ),
        field_name=field_name,
    )
