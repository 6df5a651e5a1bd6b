"""The search page: one box, results from every kind of record the reader may see.

``search.service.search`` asks each domain's listing, so what a page shows is what those
listings let this account read. A hit links to the page that shows it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge.db import read_session, utcnow
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.search import service as search
from epibridge.search.schemas import SearchHit
from epibridge.search.statuses import SearchKind
from epibridge.web.account_forms import names
from epibridge.web.context import Web, get_web, page_errors

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
PAGE = 25

KIND_NAMES = {
    SearchKind.EVENT.value: N_("Event"),
    SearchKind.SIGNAL.value: N_("Detection signal"),
    SearchKind.REQUEST.value: N_("Assistance request"),
    SearchKind.CONSULTATION.value: N_("Consultation"),
}

#: The statuses of the four kinds (one word may serve several: "open", "closed", "draft").
STATUS_NAMES = {
    "draft": N_("Draft"),
    "notified": N_("Notified"),
    "updated": N_("Updated"),
    "closed": N_("Closed"),
    "open": N_("Open"),
    "confirmed": N_("Confirmed"),
    "dismissed": N_("Dismissed"),
    "fulfilled": N_("Fulfilled"),
    "cancelled": N_("Cancelled"),
    "requested": N_("Requested"),
    "declined": N_("Declined"),
    "under_decision": N_("Under decision"),
    "adopted": N_("Adopted"),
    "rejected": N_("Rejected"),
}


#: The page of the web UI that shows a hit of each kind.
PAGES = {
    SearchKind.EVENT: "/notifications/{id}",
    SearchKind.SIGNAL: "/signals/{id}",
    SearchKind.REQUEST: "/assistance/requests/{id}",
    SearchKind.CONSULTATION: "/consultations/{id}",
}


def page_of(hit: SearchHit) -> str:
    """The page of the web UI that shows a hit."""
    return PAGES[hit.kind].format(id=hit.id)


@router.get("/search", response_class=HTMLResponse)
@page_errors
def search_page(web: WebDep, q: str = "", kind: str = "", cursor: str | None = None) -> Response:
    principal = web.require()
    hits: list[tuple[SearchHit, str]] = []
    more = None
    with read_session(web.sessions) as session:
        state_names = members.state_names(session, on=utcnow().date(), lang=web.lang)
        if q.strip():
            page = search.search(
                session, actor=principal, q=q, kind=kind or None, cursor=cursor, limit=PAGE
            )
            hits = [(hit, page_of(hit)) for hit in page.items]
            if page.next_cursor:
                more = urlencode({"q": q, "kind": kind, "cursor": page.next_cursor})
    return web.render(
        "search/results.html",
        {
            "q": q,
            "kind": kind,
            "hits": hits,
            "more": more,
            "searched": bool(q.strip()),
            "kind_names": names(web, KIND_NAMES),
            "status_names": names(web, STATUS_NAMES),
            "state_names": state_names,
        },
    )
