"""The federation page: which nodes this node trusts, their keys, and how delivery to each stands.

Read-only on purpose: changing trust needs the node's private key files, which live on the
server's disk, so it is done at the console (``epibridge federation ...``, docs/federation.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge.db import read_session, utcnow
from epibridge.federation import trust
from epibridge.federation.transport import service as transport
from epibridge.web.context import Web, get_web, page_errors

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]


@router.get("/federation/nodes", response_class=HTMLResponse)
@page_errors
def nodes_page(web: WebDep) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        nodes = trust.list_nodes(session, principal=principal)
        now = utcnow()
        peers = {peer.node_id: peer for peer in transport.status(session, actor=principal, now=now)}
    rows = [
        {
            "node": node,
            "key_list": [(key, key.status(now)) for key in node.keys],
            "peer": peers.get(node.node_id),
        }
        for node in nodes
    ]
    return web.render("federation/nodes.html", {"rows": rows})
