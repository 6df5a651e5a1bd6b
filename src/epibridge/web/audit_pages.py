"""The audit-log viewer (Secretariat and administrators): filters, pages, and "verify chain".

``audit.list_entries`` and ``audit.check`` decide who may read and verify; the verification
reads the whole chain and every checkpoint, so it runs on a POST (a button), not on every
view of the page.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge import audit
from epibridge.audit.chain import AuditEntry
from epibridge.db import read_session
from epibridge.web.account_forms import day_of
from epibridge.web.context import Web, get_web, page_errors, posted_form

router = APIRouter(prefix="/audit", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 50
DETAIL_CHARS = 240
FILTERS = ("actor", "entity", "action", "since", "until")


def _detail(entry: AuditEntry) -> str:
    """The recorded state, as one line of JSON cut to a readable length."""
    shown = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str)
    return shown if len(shown) <= DETAIL_CHARS else shown[: DETAIL_CHARS - 1] + "…"


def _context(web: Web, chosen: dict[str, str], cursor: str | None) -> dict[str, Any]:
    principal = web.require()
    since, until = day_of(chosen["since"], "since"), day_of(chosen["until"], "until")
    with read_session(web.sessions) as session:
        page = audit.list_entries(
            session,
            actor=principal,
            by=chosen["actor"] or None,
            entity=chosen["entity"] or None,
            action=chosen["action"] or None,
            since=since,
            until=until,
            cursor=cursor,
            limit=PAGE,
        )
        vocabulary = audit.vocabulary(session, actor=principal)
        entries = [(e, _detail(e)) for e in page.items]
    query = {k: v for k, v in chosen.items() if v}
    more = urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else None
    return {
        "entries": entries,
        "chosen": chosen,
        "vocabulary": vocabulary,
        "more": more,
        "first": not cursor,
        "verification": None,
    }


@router.get("", response_class=HTMLResponse)
@page_errors
def audit_page(
    web: WebDep,
    actor: str = "",
    entity: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    cursor: str | None = None,
) -> Response:
    chosen = {
        "actor": actor.strip(),
        "entity": entity.strip(),
        "action": action.strip(),
        "since": since.strip(),
        "until": until.strip(),
    }
    return web.render("audit/log.html", _context(web, chosen, cursor or None))


@router.get("/verify")
def verify_again(web: WebDep) -> Response:
    """A link to the verification's address (the language switcher) shows the log again."""
    return web.redirect("/audit")


@router.post("/verify", response_class=HTMLResponse)
@page_errors
def verify(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    del form
    with read_session(web.sessions) as session:
        result = audit.check(session, actor=principal)
    context = _context(web, dict.fromkeys(FILTERS, ""), None)
    context["verification"] = {
        "ok": result.ok,
        "entries": result.entries,
        "checkpoints": len(result.checkpoints),
        "uncovered": result.uncovered,
        "latest": result.latest,
        "problems": [p.message_in(web.lang) for p in result.problems],
    }
    return web.render("audit/log.html", context)
