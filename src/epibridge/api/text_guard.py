"""Refuse query and path parameters that carry characters no stored text may hold.

A NUL byte (``%00``) in a query parameter reaches PostgreSQL as a comparison value and fails
the statement; a control character in a path id ends up in an error page or a log. Bodies are
checked by their models (``epibridge.inputs``); this ASGI middleware checks the rest of the
request line once, before routing, so no route can forget it. A clean request costs one
regular-expression scan of the decoded path and query; only a refused one pays for finding
the name of the parameter (by matching the route templates), so the 422 can name it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from epibridge.api.problems import invalid_input_response, language_of
from epibridge.errors import FieldError
from epibridge.i18n import N_, Phrase
from epibridge.text import first_disallowed, printable, problem
from epibridge.web import plain_pages


class UnsafeTextGuard:
    """ASGI middleware answering 422, naming the parameter, to an unpublishable path or query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], list[str]]] | None = None
        self._root: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._root is None:
                self._root = scope.get("app")
            errors = self._path_errors(scope.get("path", "")) + _query_errors(
                scope.get("query_string", b"")
            )
            if errors and plain_pages.wants_page(HTTPConnection(scope)):
                await plain_pages.refused_page(HTTPConnection(scope), errors)(scope, receive, send)
                return
            if errors:
                response = invalid_input_response(
                    instance=printable(scope.get("path", "")),
                    errors=errors,
                    lang=language_of(HTTPConnection(scope)),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _path_errors(self, path: str) -> list[FieldError]:
        if first_disallowed(path) is None:
            return []
        names = self._names(path)
        errors = []
        for i, segment in enumerate(path.split("/")):
            reason = problem(segment)
            if reason:
                errors.append(FieldError(names.get(i, "path"), reason, printable(segment)))
        return errors

    def _names(self, path: str) -> dict[int, str]:
        """Segment position -> parameter name, from the first route template the path fits."""
        if self._templates is None:
            self._templates = [_compile(t) for t in sorted(_route_paths(self._root), key=len)]
        for pattern, params in self._templates:
            if pattern.fullmatch(path):
                return {i: name for i, name in enumerate(params) if name}
        return {}


def _query_errors(query_string: bytes) -> list[FieldError]:
    if not query_string:
        return []
    # Decoded exactly as Starlette decodes it for the routes (invalid UTF-8 becomes U+FFFD).
    text = query_string.decode("latin-1")
    if b"%" not in query_string and first_disallowed(text) is None:
        return []
    errors = []
    for key, value in parse_qsl(text, keep_blank_values=True):
        if reason := problem(key):
            errors.append(
                FieldError(
                    printable(key),
                    N_("parameter name: {reason}"),
                    params={"reason": Phrase(reason)},
                )
            )
        elif reason := problem(value):
            errors.append(FieldError(key, reason, printable(value)))
    return errors


def _compile(template: str) -> tuple[re.Pattern[str], list[str]]:
    """A route template as a regex over the path, and the parameter name of each segment."""
    names: list[str] = []
    parts = []
    for segment in template.split("/"):
        found = re.fullmatch(r"\{(\w+)(?::path)?\}", segment)
        names.append(found.group(1) if found else "")
        parts.append("[^/]*" if found else re.escape(segment))
    return re.compile("/".join(parts)), names


def _route_paths(app: Any, prefix: str = "") -> list[str]:
    """Every route template of ``app``, following included routers."""
    found: list[str] = []
    router = getattr(app, "router", app)
    for route in getattr(router, "routes", []):
        if getattr(route, "path", None) is not None:
            found.append(prefix + route.path)
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            found.extend(_route_paths(original, prefix + getattr(context, "prefix", "")))
    return found
