"""Public routes of federation: this node's identity and the hub's signed trust list.

Both are public on purpose: a node fetches the trust list before it has any account, and
nothing in them is secret (public keys, node ids, URLs); the list is trusted for its
signature, not for the channel it came over.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from epibridge.api.deps import Now, ReadSession
from epibridge.errors import NotFound
from epibridge.federation import trust
from epibridge.federation.schemas import KeyRead, NodeRead
from epibridge.i18n import N_

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])
JOSE_MEDIA_TYPE = "application/jose"


@router.get(
    "/trust-list",
    response_class=Response,
    responses={
        200: {"content": {JOSE_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        404: {"description": "federation is not set up on this node"},
    },
)
def get_trust_list(session: ReadSession) -> Response:
    """The newest trust list, a compact JWS signed by the hub (see docs/federation.md)."""
    token = trust.latest_trust_list(session)
    if token is None:
        raise NotFound(N_("this node holds no trust list"))
    return Response(content=token, media_type=JOSE_MEDIA_TYPE)


@router.get(
    "/node",
    response_model=NodeRead,
    responses={404: {"description": "federation is not set up on this node"}},
)
def get_node(session: ReadSession, now: Now) -> NodeRead:
    """This node's id, role, state, URL and public keys (never a private key)."""
    node = trust.describe_self(session)
    if node is None:
        raise NotFound(N_("federation is not set up on this node"))
    return NodeRead(
        node_id=node.node_id,
        role=node.role,
        state=node.state,
        url=node.url,
        keys=[
            KeyRead(
                kid=key.kid,
                jwk=key.jwk,
                not_before=key.not_before,
                not_after=key.not_after,
                revoked_at=key.revoked_at,
                status=key.status(now),
            )
            for key in node.keys
        ],
    )
