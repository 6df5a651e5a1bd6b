"""RFC 9457 problem documents for every error the API returns.

Every failure, whatever raised it, leaves as ``application/problem+json`` naming the offending
field where there is one, so a client handles errors one way.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from epibridge import i18n
from epibridge.errors import DomainError, FieldError
from epibridge.i18n import N_, Phrase
from epibridge.security import PermissionDenied
from epibridge.text import printable
from epibridge.validation_messages import field_error

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://epibridge.example/problems/"
log = logging.getLogger("epibridge.api")


def language_of(request: Request | HTTPConnection | None) -> str:
    """The language a client reads problems in: its Accept-Language, else English."""
    if request is None:
        return i18n.DEFAULT
    return i18n.negotiate(request.headers.get("accept-language")) or i18n.DEFAULT


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    kind: str,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    lang: str = i18n.DEFAULT,
    params: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """The problem document; ``title``, ``detail`` (with ``params``) and the errors' messages
    are message ids, written in ``lang``. ``type`` and the fields stay as they are: they are
    what a program reads."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": i18n.message(title, None, lang),
        "status": status,
        "detail": i18n.message(detail, params, lang),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_dict(lang) for e in errors]
    headers = {**(headers or {}), "Content-Language": lang}
    return JSONResponse(
        _encodable(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def domain_problem(
    exc: DomainError, *, instance: str | None, lang: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The problem document of a service's error, in ``lang``."""
    if exc.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return problem_response(
        status=exc.status,
        title=exc.title,
        detail=exc.detail_id,
        params=exc.params,
        kind=exc.kind,
        instance=instance,
        errors=list(exc.errors),
        headers=headers,
        lang=lang,
    )


def _encodable(value: Any, limit: int = 2000) -> Any:
    """``value`` with everything JSON cannot carry made printable, so an error never fails.

    Problems echo what the client sent, and what it sent is exactly what may not encode: a
    lone surrogate (no UTF-8 for it), NaN or infinity (not JSON), an integer too long to print
    (Python refuses past 4300 digits), bytes, or a control character. Strings are escaped and
    cut, numbers outside JSON's reach become a short description.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return printable(value, limit)
    if isinstance(value, int):
        return value if abs(value) < 2**63 else f"an integer of {value.bit_length()} bits"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(_encodable(k, 200)): _encodable(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v, limit) for v in value]
    if isinstance(value, bytes | bytearray):
        return printable(bytes(value[:limit]).decode("utf-8", errors="backslashreplace"), limit)
    try:
        return printable(str(value), 200)
    except Exception:
        return None


def invalid_input_response(
    *,
    instance: str,
    errors: list[FieldError],
    detail: str | None = None,
    lang: str = i18n.DEFAULT,
) -> JSONResponse:
    """The one 422 problem shape; its detail names the first fields unless given."""
    params: dict[str, Any] | None = None
    if detail is None:
        detail = N_("the request is not valid ({fields})")
        params = {"fields": [e.field for e in errors[:5]]}
    return problem_response(
        status=422,
        title=N_("Invalid input"),
        detail=detail,
        params=params,
        kind="invalid-input",
        instance=instance,
        errors=errors,
        lang=lang,
    )


def _jsonable(value: Any) -> Any:
    """The input a validation error echoes, cut to 200 characters (made encodable later)."""
    if isinstance(value, str):
        return value[:200]
    if value is None or isinstance(value, int | float | bool):
        return value
    return _encodable(value, 200) if isinstance(value, bytes) else _encodable(str(value)[:200])


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The problem document of an HTTP error (no route, wrong method, undecodable body)."""
    lang = language_of(request)
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, RecursionError | ValueError):
        # FastAPI's body parser gives up on JSON nested deeper than Python recurses or an
        # integer over 4300 digits with a bare 400: it is malformed JSON like any other.
        reason = N_("nested too deeply") if isinstance(cause, RecursionError) else str(cause)
        error = FieldError("body", N_("malformed JSON: {error}"), params={"error": Phrase(reason)})
        return invalid_input_response(instance=request.url.path, errors=[error], lang=lang)
    title = _TITLES.get(exc.status_code, N_("Error"))
    return problem_response(
        status=exc.status_code,
        title=title,
        # Starlette's details are its reason phrases ("Not Found"): the title, translated.
        detail=_DETAILS.get(str(exc.detail), str(exc.detail)),
        kind=title.lower().replace(" ", "-"),
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
        lang=lang,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a problem document."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc, instance=request.url.path, lang=language_of(request))

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        lang = language_of(request)
        return problem_response(
            status=403,
            title=N_("Forbidden"),
            detail=i18n.text_in(exc.args[0] if exc.args else str(exc), lang),
            kind="forbidden",
            instance=request.url.path,
            lang=lang,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # pydantic's English sentences become message ids with their parameters (its error
        # types), so the client reads them in its Accept-Language.
        errors = [field_error(e, value=_jsonable(e.get("input"))) for e in exc.errors()]
        return invalid_input_response(
            instance=request.url.path, errors=errors, lang=language_of(request)
        )

    app.add_exception_handler(StarletteHTTPException, http_problem)  # type: ignore[arg-type]

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The safety net behind the checks at the entrances (ids, texts): a value the
        # database refuses to store or compare is the client's, not a server failure.
        log.warning(
            "database refused a value on %s %s: %s", request.method, request.url.path, exc.orig
        )
        return invalid_input_response(
            instance=request.url.path,
            errors=[],
            detail=N_("a value of the request is outside what the database can store"),
            lang=language_of(request),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Starlette re-raises after answering and the server then drops the connection:
        # say so, or a keep-alive client's next request on it fails with a reset.
        return problem_response(
            status=500,
            title=N_("Internal error"),
            detail=N_("the server failed to handle this request; nothing was written"),
            kind="internal-error",
            instance=request.url.path,
            headers={"Connection": "close"},
            lang=language_of(request),
        )


_TITLES = {
    400: N_("Bad request"),
    401: N_("Unauthenticated"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Content too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
}
#: Starlette's reason phrases, which it gives as the detail of a bare HTTP error.
_DETAILS = {
    "Bad Request": N_("Bad request"),
    "Not Found": N_("Not found"),
    "Method Not Allowed": N_("Method not allowed"),
    "Unsupported Media Type": N_("Unsupported media type"),
    "Too Many Requests": N_("Too many requests"),
}
