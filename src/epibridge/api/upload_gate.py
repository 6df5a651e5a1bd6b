"""Upload routes authenticate and authorize from the headers, before reading the body.

FastAPI parses a route's form (the whole file, up to ``EPIBRIDGE_MAX_UPLOAD_BYTES``) before it
resolves the route's dependencies, so an anonymous client could make the server read and
spool 2 GiB only to be told 401. This middleware, outside every other one that reads bodies,
answers a refused upload at once with ``Connection: close`` and never calls ``receive``:

- the API route (``/api/v1/data/submissions``): a bearer token, or the session cookie plus its
  ``X-CSRF-Token`` header; 401/403 as a problem document, like every API error;
- the web import page (``/web/data/import``): the session cookie (the form's CSRF field is in
  the body and is checked after; the cookie is ``SameSite=Lax``, so another site's form
  arrives without it and is refused here); a visitor is sent to the sign-in page, an account
  that may not upload gets the 403 page.

The principal found is left in the request's state, so the route does not look it up again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from epibridge import i18n
from epibridge.api.deps import get_optional_principal
from epibridge.api.problems import domain_problem, language_of, problem_response
from epibridge.epidata.uploads import may_upload
from epibridge.errors import DomainError, FieldError, Unauthenticated
from epibridge.security import PermissionDenied, Principal


class UploadGate:
    """Refuse uploads of callers who may not upload, before any of the body is read."""

    def __init__(self, app: ASGIApp, *, api_paths: Iterable[str], web_paths: Iterable[str]) -> None:
        self.app = app
        self.api_paths = frozenset(api_paths)
        self.web_paths = frozenset(web_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        if path in self.api_paths:
            check: Callable[[Request], Response | None] = _api_refusal
        elif path in self.web_paths:
            check = _web_refusal
        else:
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # no receive: reading the body here is impossible
        refusal = await anyio.to_thread.run_sync(check, request)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        refusal.headers["Connection"] = "close"
        await refusal(scope, _no_body, send)


async def _no_body() -> Any:
    raise RuntimeError("the upload gate never reads a request body")


def _problem(exc: DomainError | PermissionDenied, request: Request) -> Response:
    """The same problem document the app's exception handlers (api/problems.py) give."""
    lang = language_of(request)
    if isinstance(exc, PermissionDenied):
        return problem_response(
            status=403,
            title="Forbidden",
            detail=i18n.text_in(exc.args[0] if exc.args else str(exc), lang),
            kind="forbidden",
            instance=request.url.path,
            lang=lang,
        )
    return domain_problem(exc, instance=request.url.path, lang=lang)


def _api_refusal(request: Request) -> Response | None:
    try:
        principal = get_optional_principal(request)  # token, or cookie + CSRF header
    except (DomainError, PermissionDenied) as exc:
        return _problem(exc, request)
    if principal is None:
        return _problem(
            Unauthenticated(
                "this route needs an API token: send 'Authorization: Bearer TOKEN'",
                [FieldError("Authorization", "missing")],
            ),
            request,
        )
    decision = may_upload(principal)
    if not decision.allowed:
        return _problem(PermissionDenied(decision.reason), request)
    return None


def _web_refusal(request: Request) -> Response | None:
    from epibridge.web.context import get_web

    web = get_web(request)
    principal: Principal | None = web.principal
    if principal is None:
        return RedirectResponse("/login?next=/data/import", status_code=303)
    decision = may_upload(principal)
    if not decision.allowed:
        return web.error(PermissionDenied(decision.reason))
    return None
