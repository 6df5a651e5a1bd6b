"""The EDXL-RM import page: upload a RequestResource, ResponseToRequestResource or
CommitResource and land on what it created, or see each problem named by its element path.

The gateway translates and the assistance service rules (``gateways.edxl.rm_import``); this
page only carries the file and shows the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from epibridge.errors import FieldError, InvalidInput
from epibridge.gateways.edxl import documents, rm_import
from epibridge.i18n import N_
from epibridge.web.context import Web, get_web, page_errors, posted_form
from epibridge.web.form_input import act, form_page, refusing

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = "assistance/edxl_import.html"
REFUSED = N_(
    "A focal point imports requests, offers and pledges of its own state; the Secretariat may "
    "do so on a member state's behalf."
)
_WHERE = {"request": "/assistance/requests/{}", "offer": "/assistance/offers/{}"}


@router.get("/assistance/edxl-import", response_class=HTMLResponse)
@page_errors
def import_page(web: WebDep) -> Response:
    web.require()
    return form_page(web, PAGE, {}, None, lambda name: None)


@router.post("/assistance/edxl-import", response_class=HTMLResponse)
@page_errors
@refusing(REFUSED)
def import_document(web: WebDep, form: FormDep) -> Response:
    web.require()
    upload = form.get("document")
    body = upload.file.read(documents.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    if not body:
        refusal = InvalidInput(
            N_("choose an EDXL-RM file"), [FieldError("document", N_("the document is empty"))]
        )
        return form_page(web, PAGE, {}, refusal, lambda name: None)
    try:
        made = act(web, rm_import.import_message, xml=body)
    except InvalidInput as exc:
        return form_page(web, PAGE, {}, exc, lambda name: None)
    if made.kind == "commitment":
        return web.redirect(f"/assistance/requests/{made.request_id}?done=pledged")
    return web.redirect(_WHERE[made.kind].format(made.ids[0]))
