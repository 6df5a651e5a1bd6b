"""The data import page: upload a file, see the validation report row by row, confirm.

The file is checked by ``epidata.ingest`` as a dry run (nothing written) and the page shows
either every refused row or a summary to confirm; the upload waits under
``VAR_DIR/web-uploads/<account>`` named by a random token (``epidata.uploads``), and the
confirmation hands it to ``epidata.ingest`` again, which checks it again and stores it in one
transaction. Who may upload at all is decided from the session cookie before the body is read
(``api.upload_gate``); a refused or failed check leaves no file behind, and one never
confirmed expires after ``EPIBRIDGE_UPLOAD_TTL_HOURS``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from epibridge.db import read_session, utcnow
from epibridge.epidata import uploads
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Action, Principal, authorize
from epibridge.web.context import Web, get_web, page_errors, posted_form, text

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]


def _upload_root(web: Web) -> Path:
    return uploads.upload_root(web.app.state.settings.var_dir)


def _upload_ttl(web: Web) -> timedelta:
    return timedelta(hours=web.app.state.settings.upload_ttl_hours)


def _may_import(principal: Principal) -> None:
    """A state's own accounts import its data; the Secretariat imports on a state's behalf."""
    if principal.state:
        authorize(principal, Action.WRITE_STATE, principal.state)
    else:
        authorize(principal, Action.COORDINATE)


def _import_states(web: Web, principal: Principal) -> dict[str, str]:
    with read_session(web.sessions) as session:
        names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
    if principal.state:
        return {principal.state: names.get(principal.state, principal.state)}
    return names


@router.get("/data/import", response_class=HTMLResponse)
@page_errors
def import_page(web: WebDep) -> Response:
    principal = web.require()
    _may_import(principal)
    return web.render(
        "data/import.html",
        {"states": _import_states(web, principal), "report": None, "checked": None},
    )


#: The upload's own path: ``app.UPLOAD_PATHS`` gives it the larger upload size limit.
UPLOAD_PATH = "/web/data/import"


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
@page_errors
def import_check(web: WebDep, form: FormDep) -> Response:
    """Check an uploaded file (dry run) and show the report row by row."""
    principal = web.require()
    _may_import(principal)
    state = text(form, "state") or principal.state or ""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput(
            web.gettext("Choose a file to import."), [FieldError("file", "required")]
        )
    root = _upload_root(web)
    uploads.purge_expired(root, ttl=_upload_ttl(web), now=utcnow())
    token, stored = uploads.stage(
        root, account=principal.name, filename=upload.filename, stream=upload.file
    )
    context: dict[str, Any] = {"states": _import_states(web, principal), "state": state}
    try:
        summary = ingest(
            web.sessions,
            actor=principal,
            file=stored,
            filename=upload.filename,
            state=state,
            options=IngestOptions(dry_run=True, max_bytes=web.app.state.settings.max_upload_bytes),
        )
    except DomainError as exc:
        stored.unlink(missing_ok=True)
        rows = [e.as_dict(web.lang) for e in exc.errors]
        return web.render(
            "data/import.html",
            {**context, "report": {"detail": web.detail(exc), "rows": rows}, "checked": None},
            status=422,
        )
    except BaseException:  # refused (another state's data) or failed: nothing is kept
        stored.unlink(missing_ok=True)
        raise
    return web.render(
        "data/import.html",
        {
            **context,
            "report": None,
            "checked": summary,
            "token": token,
            "synthetic": text(form, "synthetic") == "yes",
        },
    )


@router.post("/data/import/confirm", response_class=HTMLResponse)
@page_errors
def import_confirm(web: WebDep, form: FormDep) -> Response:
    """Store a file that was checked: checked again and written in one transaction."""
    principal = web.require()
    stored = uploads.staged(
        _upload_root(web),
        account=principal.name,
        token=text(form, "token"),
        ttl=_upload_ttl(web),
        now=utcnow(),
    )
    if stored is None:
        raise InvalidInput(web.gettext("The upload has expired; choose the file again."))
    filename = text(form, "filename") or stored.name
    try:
        result = ingest(
            web.sessions,
            actor=principal,
            file=stored,
            filename=filename,
            state=text(form, "state"),
            options=IngestOptions(synthetic=text(form, "synthetic") == "yes"),
        )
    finally:
        stored.unlink(missing_ok=True)
    return web.render(
        "data/import.html",
        {
            "states": _import_states(web, principal),
            "report": None,
            "checked": None,
            "stored": result,
        },
    )
