"""The assistance board: open needs with what still remains and pledges on their way.

The board is shared with partners, so every account that reads partner-visible things sees
it; the service leaves out the requests the account may not see.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge.assistance import service as assistance
from epibridge.assistance.catalogue import catalogue
from epibridge.db import read_session, utcnow
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.web.context import Web, get_web, page_errors
from epibridge.web.dashboard import translated

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]

URGENCY_NAMES = {
    "immediate": N_("Immediate"),
    "expected": N_("Expected"),
    "future": N_("Future"),
}
COMMITMENT_NAMES = {
    "pledged": N_("Pledged"),
    "dispatched": N_("Dispatched"),
    "delivered": N_("Delivered"),
    "confirmed": N_("Confirmed"),
    "released": N_("Released"),
}
BOARD_LIMIT = 500


@router.get("/assistance", response_class=HTMLResponse)
@page_errors
def board_page(web: WebDep, state: str | None = None, item: str | None = None) -> Response:
    principal = web.require()
    items = catalogue()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
        chosen_state = state.upper() if state and state.upper() in names else None
        chosen_item = item if item in items else None
        board = assistance.board(
            session, actor=principal, state=chosen_state, item=chosen_item, limit=BOARD_LIMIT
        )
    return web.render(
        "assistance/board.html",
        {
            "board": board,
            "state_names": names,
            "items": items,
            "chosen_state": chosen_state,
            "chosen_item": chosen_item,
            "urgency_names": translated(web, URGENCY_NAMES),
            "commitment_names": translated(web, COMMITMENT_NAMES),
        },
    )
