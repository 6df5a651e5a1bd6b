"""The page a browser gets while the database is unreachable, in the reader's language.

It is plain HTML with no template, script or database lookup: the one thing it must do is
render while nothing else can (the language comes from ``?lang=``, the cookie or the header).
"""

from __future__ import annotations

import html

from fastapi import Request
from fastapi.responses import HTMLResponse

from epibridge.web import i18n

TITLE = i18n.N_("Service unavailable")
MESSAGE = i18n.N_("The database is unavailable. Nothing was saved; try again in a few seconds.")


def outage_page(request: Request, headers: dict[str, str]) -> HTMLResponse:
    """503 as a page a person can read (the API gets a problem document instead)."""
    lang = i18n.choose(
        request.query_params.get("lang"),
        request.cookies.get(i18n.LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    gettext = i18n.translations(lang).gettext
    title, message = html.escape(gettext(TITLE)), html.escape(gettext(MESSAGE))
    page = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><h1>{title}</h1><p role='alert'>{message}</p></body></html>"
    )
    return HTMLResponse(page, status_code=503, headers=headers)
