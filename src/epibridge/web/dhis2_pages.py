"""The DHIS2 mapping page: a state's mapping as loaded, and a YAML file to load in its place.

For administrators and the Secretariat (``gateways.dhis2.service`` decides); the file is
checked whole and a refusal lists every problem by its YAML key, with nothing loaded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.gateways.dhis2 import mapping as mapping_rules
from epibridge.gateways.dhis2 import service
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.web.context import Web, get_web, page_errors, posted_form, text

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PATH = "/data/dhis2-mapping"
TEMPLATE = "data/dhis2_mapping.html"


def _context(web: Web, state: str) -> dict[str, Any]:
    """The states to choose from and the chosen one's mapping (None: none loaded yet)."""
    principal = web.require()
    with read_session(web.sessions) as session:
        states = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
        state = state or next(iter(states), "")
        try:
            current = service.get_mapping(session, principal=principal, state=state)
        except NotFound:
            service.authorize_mapping(principal)
            current = None
    return {"states": states, "state": state, "mapping": current, "report": None}


@router.get(PATH, response_class=HTMLResponse)
@page_errors
def mapping_page(web: WebDep, state: str = "") -> Response:
    return web.render(TEMPLATE, _context(web, state.upper()[:3]))


@router.post(PATH, response_class=HTMLResponse)
@page_errors
def mapping_load(web: WebDep, form: FormDep) -> Response:
    """Load an uploaded YAML mapping for the chosen state."""
    principal = web.require()
    state = text(form, "state")
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput(
                web.gettext("Choose a file to import."), [FieldError("file", "required")]
            )
        document = mapping_rules.parse_yaml(upload.file.read(mapping_rules.MAX_BYTES + 1))
        with write_session(web.sessions) as session:
            service.load_mapping(session, principal=principal, state=state, document=document)
    except InvalidInput as exc:
        context = _context(web, state)
        rows = [e.as_dict(web.lang) for e in exc.errors]
        context["report"] = {"detail": web.detail(exc), "rows": rows}
        return web.render(TEMPLATE, context, status=422)
    context = _context(web, state)
    context["loaded"] = True
    return web.render(TEMPLATE, context)
