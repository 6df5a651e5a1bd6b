"""Situation report pages: the stored reports with their download links, and the form that
generates one (ISO week, language, focus state, PDF or HTML).

Reports gather members-only material, so only accounts that read members' data see these
pages; the file is downloaded through the API route, which accepts the session cookie.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput
from epibridge.i18n import LANGUAGE_NAMES, LANGUAGES
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.reports import service as reports
from epibridge.reports.schemas import ReportCreate
from epibridge.reports.weeks import previous_week
from epibridge.security import Action, authorize
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import pydantic_problems

router = APIRouter(prefix="/reports", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 50


def _context(web: Web, cursor: str | None) -> dict[str, Any]:
    principal = web.require()
    authorize(principal, Action.READ_MEMBERS)
    with read_session(web.sessions) as session:
        page = reports.list_(session, actor=principal, limit=PAGE, cursor=cursor or None)
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return {
        "reports": [reports.to_read(r) for r in page.items],
        "next_cursor": page.next_cursor,
        "state_names": names,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "form": {"week": previous_week(utcnow().date()).label, "lang": web.lang, "format": "pdf"},
        "errors": {},
    }


@router.get("", response_class=HTMLResponse)
@page_errors
def list_page(web: WebDep, cursor: str | None = None, done: Id | None = None) -> Response:
    context = _context(web, cursor)
    context["done"] = done
    return web.render("reports/list.html", context)


@router.post("", response_class=HTMLResponse)
@page_errors
def generate(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = {
        "week": text(form, "week"),
        "lang": text(form, "lang") or "en",
        "state": text(form, "state").upper() or None,
        "format": text(form, "format") or "pdf",
    }
    try:
        try:
            data = ReportCreate.model_validate(values)
        except ValidationError as exc:
            raise InvalidInput(
                "check the highlighted fields",
                pydantic_problems(exc, echo=True),
            ) from exc
        # Rendering takes seconds: it reads in a read session; storing is one short write.
        with read_session(web.sessions) as session:
            rendered = reports.build(session, actor=principal, data=data)
        with write_session(web.sessions) as session:
            stored = reports.store(session, actor=principal, rendered=rendered)
            report_id = stored.id
    except InvalidInput as exc:
        context = _context(web, None)
        context.update(
            {
                "form": {k: v or "" for k, v in values.items()},
                "errors": web.field_errors(list(exc.errors)),
                "detail": web.detail(exc),
            }
        )
        return web.render("reports/list.html", context, 422)
    return web.redirect(f"/reports?done={report_id}")
