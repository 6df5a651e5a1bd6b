"""Pages for browsers answered outside the page routes, in the reader's language.

The database-down page and the refusal of an unpublishable path or query are answered by
middleware, before any route or template runs: plain HTML with no script and no database
lookup (the language comes from ``?lang=``, the cookie or the Accept-Language header).
"""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection

from epibridge import i18n
from epibridge.errors import FieldError

OUTAGE_TITLE = i18n.N_("Service unavailable")
OUTAGE = i18n.N_("The database is unavailable. Nothing was saved; try again in a few seconds.")
REFUSED_TITLE = i18n.N_("Invalid input")
REFUSED_FIELD = i18n.N_("contains a control character, NUL or a lone surrogate")
REFUSED = i18n.N_(
    "The address holds a character that cannot be published (a control character, NUL or a "
    "lone surrogate): remove it and try again."
)


def wants_page(connection: HTTPConnection) -> bool:
    """A browser asking for a page (not an API client): it gets HTML instead of JSON."""
    path = connection.url.path
    return not path.startswith("/api/") and "text/html" in connection.headers.get("accept", "")


def outage_page(connection: HTTPConnection, headers: dict[str, str]) -> HTMLResponse:
    """503 as a page a person can read (the API gets a problem document instead)."""
    return _page(connection, OUTAGE_TITLE, OUTAGE, [], 503, headers)


def refused_page(connection: HTTPConnection, errors: list[FieldError]) -> HTMLResponse:
    """422 for a path or query parameter that holds an unpublishable character."""
    fields = [FieldError(e.field, REFUSED_FIELD) for e in errors]
    return _page(connection, REFUSED_TITLE, REFUSED, fields, 422, {})


def _page(
    connection: HTTPConnection,
    title_id: str,
    message_id: str,
    errors: list[FieldError],
    status: int,
    headers: dict[str, str],
) -> HTMLResponse:
    lang = i18n.choose(
        connection.query_params.get("lang"),
        connection.cookies.get(i18n.LANG_COOKIE),
        connection.headers.get("accept-language"),
    )
    gettext = i18n.translations(lang).gettext
    title, message = html.escape(gettext(title_id)), html.escape(gettext(message_id))
    items = "".join(
        f"<li><strong>{html.escape(e.field)}</strong>: {html.escape(e.message_in(lang))}</li>"
        for e in errors
    )
    page = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body><h1>{title}</h1><p role='alert'>{message}</p>"
        + (f"<ul>{items}</ul>" if items else "")
        + "</body></html>"
    )
    return HTMLResponse(page, status_code=status, headers={**headers, "Content-Language": lang})
