"""The focal-point directory: whom to contact in each member state and at the Secretariat."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge.db import read_session
from epibridge.members import directory as contacts
from epibridge.preparedness import service as preparedness
from epibridge.security import Action, decide
from epibridge.web.context import Web, get_web, page_errors

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]


@router.get("/directory", response_class=HTMLResponse)
@page_errors
def directory_page(web: WebDep, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        found = contacts.directory(session, actor=principal)
        states = [
            (entry.state.name(web.lang), entry.state.iso3, entry.contacts) for entry in found.states
        ]
        # The IHR entries are the members' (observers read the accounts only).
        entries = (
            {e.state: e for e in preparedness.entries(session, actor=principal)}
            if decide(principal, Action.READ_MEMBERS).allowed
            else None
        )
    editable = (
        principal.state
        if principal.state and preparedness.may_edit(principal, principal.state)
        else None
    )
    return web.render(
        "directory/directory.html",
        {
            "states": sorted(states),
            "secretariat": found.secretariat,
            "entries": entries,
            "editable": editable,
            "done": done,
        },
    )
