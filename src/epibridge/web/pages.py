"""Mount the browser UI: static files, page routers, and the session as an API credential."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from epibridge.i18n import N_
from epibridge.web import (
    account_pages,
    admin_pages,
    assistance_pages,
    audit_pages,
    auth,
    backtest_pages,
    border_pages,
    consultation_pages,
    dashboard,
    data_pages,
    dhis2_pages,
    directory_pages,
    edxl_pages,
    federation_pages,
    import_pages,
    notification_pages,
    plain_pages,
    preparedness_pages,
    report_pages,
    search_pages,
    sharing_pages,
    signal_pages,
    timeliness_pages,
)
from epibridge.web.context import CsrfFailed, LoginRequired, Web, get_web

_HERE = Path(__file__).parent
ErrorHandler = Callable[[Request, HTTPException], Awaitable[Response]]

NO_PAGE = N_(
    "There is no page at this address: check the link, or start again from the situation dashboard."
)


def _not_found_page(request: Request) -> HTMLResponse:
    web: Web = get_web(request)
    return web.render(
        "error.html", {"status": 404, "detail": web.gettext(NO_PAGE), "errors": []}, 404
    )


def mount(app: FastAPI, *, api_not_found: ErrorHandler) -> None:
    """Add the pages; ``api_not_found`` answers a 404 to API clients (the app passes the API's
    problem handler, so the web layer does not import the API layer)."""
    app.state.session_principal = auth.session_principal
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(dashboard.router)
    app.include_router(notification_pages.router)
    app.include_router(data_pages.router)
    app.include_router(import_pages.router)
    app.include_router(border_pages.router)
    app.include_router(assistance_pages.router)
    app.include_router(consultation_pages.router)
    app.include_router(report_pages.router)
    app.include_router(account_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(federation_pages.router)
    app.include_router(directory_pages.router)
    app.include_router(search_pages.router)
    app.include_router(signal_pages.router)
    app.include_router(preparedness_pages.router)
    app.include_router(timeliness_pages.router)
    app.include_router(backtest_pages.router)
    app.include_router(dhis2_pages.router)
    app.include_router(edxl_pages.router)
    app.include_router(sharing_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse("/login?next=" + quote(exc.next_url, safe="/"), status_code=303)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: HTTPException) -> Response:
        # A browser following a dead link gets a page in its language; API clients (an
        # /api/ path, or no text/html in Accept) keep the problem document.
        if plain_pages.wants_page(request):
            return await run_in_threadpool(_not_found_page, request)
        return await api_not_found(request, exc)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> HTMLResponse:
        web = get_web(request)
        return web.render(
            "error.html", {"status": 403, "detail": web.gettext(exc.args[0]), "errors": []}, 403
        )
