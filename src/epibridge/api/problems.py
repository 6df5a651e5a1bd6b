"""RFC 9457 problem documents for every error the API returns.

Every failure, whatever raised it, leaves as ``application/problem+json`` naming the offending
field where there is one, so a client handles errors one way.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from epibridge.errors import DomainError, FieldError
from epibridge.security import PermissionDenied
from epibridge.text import printable

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://epibridge.example/problems/"
log = logging.getLogger("epibridge.api")


def problem_response(
    *,
    status: int,
    title: str,
    detail: str,
    kind: str,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return JSONResponse(
        _encodable(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
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
    *, instance: str, errors: list[FieldError], detail: str | None = None
) -> JSONResponse:
    """The one 422 problem shape; its detail names the first fields unless given."""
    if detail is None:
        detail = f"the request is not valid ({', '.join(e.field for e in errors[:5])})"
    return problem_response(
        status=422,
        title="Invalid input",
        detail=detail,
        kind="invalid-input",
        instance=instance,
        errors=errors,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def _jsonable(value: Any) -> Any:
    """The input a validation error echoes, cut to 200 characters (made encodable later)."""
    if isinstance(value, str):
        return value[:200]
    if value is None or isinstance(value, int | float | bool):
        return value
    return _encodable(value, 200) if isinstance(value, bytes) else _encodable(str(value)[:200])


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The problem document of an HTTP error (no route, wrong method, undecodable body)."""
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, RecursionError | ValueError):
        # FastAPI's body parser gives up on JSON nested deeper than Python recurses or an
        # integer over 4300 digits with a bare 400: it is malformed JSON like any other.
        reason = "nested too deeply" if isinstance(cause, RecursionError) else str(cause)
        return invalid_input_response(
            instance=request.url.path, errors=[FieldError("body", f"malformed JSON: {reason}")]
        )
    return problem_response(
        status=exc.status_code,
        title=_TITLES.get(exc.status_code, "Error"),
        detail=str(exc.detail),
        kind=_TITLES.get(exc.status_code, "error").lower().replace(" ", "-"),
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a problem document."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            kind=exc.kind,
            instance=request.url.path,
            errors=exc.errors,
            headers=headers,
        )

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        return problem_response(
            status=403,
            title="Forbidden",
            detail=str(exc),
            kind="forbidden",
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            message = error.get("msg", "invalid")
            if error.get("type") == "json_invalid":
                message = f"malformed JSON: {error.get('ctx', {}).get('error', message)}"
            errors.append(
                FieldError(_location(error.get("loc", ())), message, _jsonable(error.get("input")))
            )
        return invalid_input_response(instance=request.url.path, errors=errors)

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
            detail="a value of the request is outside what the database can store",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Starlette re-raises after answering and the server then drops the connection:
        # say so, or a keep-alive client's next request on it fails with a reset.
        return problem_response(
            status=500,
            title="Internal error",
            detail="the server failed to handle this request; nothing was written",
            kind="internal-error",
            instance=request.url.path,
            headers={"Connection": "close"},
        )


_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
}
