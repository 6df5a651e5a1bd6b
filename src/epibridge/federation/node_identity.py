"""This node's id as its peers know it: how local records are named in federation messages.

A stand-in until fedcore's node table lands (the lead points ``this_node_id`` at it at
merge): None means federation is not set up here, and then nothing travels.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def this_node_id(session: Session) -> str | None:
    """The id of this node (``epibridge federation init --node-id``), or None."""
    from epibridge.federation.transport import core  # fedcore's node table (integration)

    node = core.me(session)
    return node.node_id if node is not None else None
