"""The API documentation pages, with every script and style served by this site.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN, so they stay blank
without internet (a closed government network, a laptop in the field). Here the assets come
from an installed package, fastapi-offline (MIT; it ships Swagger UI 5, Apache-2.0, and ReDoc 2,
MIT), mounted at ``/docs/assets``; Swagger UI is started by ``/static/api-docs.js`` rather than an
inline script, so the pages need no ``'unsafe-inline'`` script (web/headers.py gives them their
own policy). No page names another host: the validator badge that Swagger UI fetches from
validator.swagger.io is turned off.
"""

from __future__ import annotations

import html
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
ASSETS = "/docs/assets"
#: Where the assets are: the package's ``static`` folder.
ASSETS_DIR = files("fastapi_offline") / "static"


def _head(title: str, root: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title>"
        f"<link rel='icon' href='{root}{ASSETS}/favicon.png'>"
    )


def swagger_page(title: str, root: str, openapi_url: str) -> str:
    return (
        _head(title + " - Swagger UI", root)
        + f"<link rel='stylesheet' href='{root}{ASSETS}/swagger-ui.css'></head><body>"
        f"<div id='swagger-ui' data-openapi='{html.escape(root + openapi_url)}'></div>"
        f"<script src='{root}{ASSETS}/swagger-ui-bundle.js'></script>"
        f"<script src='{root}/static/api-docs.js'></script></body></html>"
    )


def redoc_page(title: str, root: str, openapi_url: str) -> str:
    return (
        _head(title + " - ReDoc", root) + "</head><body>"
        "<noscript>ReDoc needs JavaScript; the same document is at "
        f"<a href='{html.escape(root + openapi_url)}'>{html.escape(openapi_url)}</a>.</noscript>"
        f"<redoc spec-url='{html.escape(root + openapi_url)}'></redoc>"
        f"<script src='{root}{ASSETS}/redoc.standalone.js'></script></body></html>"
    )


def install(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets (build the app with both URLs ``None``)."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS, StaticFiles(directory=str(ASSETS_DIR)), name="api-docs-assets")

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(swagger_page(app.title, root, openapi_url))

    @app.get(REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(redoc_page(app.title, root, openapi_url))
