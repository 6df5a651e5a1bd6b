"""Security headers on every response, and a Content-Security-Policy on every HTML one.

The policy allows scripts and styles from this site only, plus inline ones carrying the
response's nonce (``request.state.csp_nonce``, given to every template as ``csp_nonce``); no
page may be framed. Two kinds of HTML get their own policy:

- stored report documents (``/api/v1/reports/{id}/download``) carry their stylesheet inline
  and are meant to open as a file: no script, no requests at all, inline styles only;
- the API documentation (api/docs.py) serves Swagger UI and ReDoc from this site and starts
  them from files: ``/docs`` runs under the page policy (no inline script or style at all),
  while ReDoc writes its styles as inline ``<style>`` elements (styled-components, which cannot
  be handed a nonce), so ``/redoc`` alone allows inline styles, never scripts; no other host is
  allowed (ReDoc's footer logo from cdn.redoc.ly is refused, and the page hides it).

``Strict-Transport-Security`` is sent when the request came over HTTPS (``scope["scheme"]``,
which uvicorn sets from ``X-Forwarded-Proto`` behind a trusted proxy).
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
#: ReDoc's page: no script but this site's, inline styles (no nonce beside them, or browsers
#: would ignore 'unsafe-inline'), ``blob:`` workers for its search.
REDOC_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_DOCUMENTS = re.compile(r"^/api/v1/reports/[^/]+/download$")
_REDOC = "/redoc"
HSTS = "max-age=31536000; includeSubDomains"


def policy(path: str, nonce: str) -> str:
    """The Content-Security-Policy of an HTML response at ``path``."""
    if _DOCUMENTS.match(path):
        return DOCUMENT_POLICY
    if path == _REDOC:
        return REDOC_POLICY
    return PAGE_POLICY.format(nonce=nonce)


class SecurityHeaders:
    """Add the headers as the response starts; a header a route set itself is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy(path, nonce))
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
