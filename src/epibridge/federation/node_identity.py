"""This node's id as its peers know it: how local records are named in federation messages.

Read from fedcore's node table (``federation.trust.self_node``); None means federation is not
set up here (or fedcore's tables are not part of this build), and then nothing travels.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def this_node_id(session: Session) -> str | None:
    """The id of this node (``epibridge federation init --node-id``), or None."""
    try:
        from epibridge.federation import trust
    except ImportError:  # built without fedcore's trust (branches not merged yet)
        return None
    return trust.self_node_id(session)
