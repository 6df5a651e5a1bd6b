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


def node_of_state(session: Session, state: str) -> str | None:
    """The national node that speaks for ``state`` in the trust list (with a key not revoked),
    or None: the state has no node (it works on the hub), or federation is not set up."""
    try:
        from epibridge.federation.models import FederationKey, FederationNode
        from epibridge.federation.statuses import NodeRole
    except ImportError:
        return None
    from sqlalchemy import select

    return session.execute(
        select(FederationNode.node_id)
        .join(FederationKey, FederationKey.node_pk == FederationNode.id)
        .where(
            FederationNode.role == NodeRole.NATIONAL,
            FederationNode.state == state,
            FederationKey.revoked_at.is_(None),
        )
        .order_by(FederationNode.id)
        .limit(1)
    ).scalar_one_or_none()
