"""The database is down: 503 with ``Retry-After`` for API and web pages, not a 500.

A lost database is an outage of the service, not a bug in the request: clients (and the
national systems retrying through the API) should come back later, and the log should say
"the database went away" once, not print a traceback per request. ``db.is_unavailable`` tells
the two kinds of database error apart; every other one is still a 500 with its traceback.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from epibridge.api.problems import language_of, problem_response
from epibridge.db import describe_error, is_unavailable
from epibridge.i18n import N_
from epibridge.web import plain_pages

log = logging.getLogger("epibridge.api")
#: Seconds a client is asked to wait before retrying (the pool reconnects on the next request).
RETRY_AFTER = 5
#: At most one log line per this many seconds while the database stays away.
_LOG_EVERY = 60.0
_DETAIL = N_("the database is unavailable; nothing was written, try again shortly")


class _Once:
    """Rate-limits the outage log line across the server's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0

    def due(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.last < _LOG_EVERY:
                return False
            self.last = now
            return True


def unavailable_response(request: Request) -> Response:
    """503 as a problem document, or as a page for a browser."""
    headers = {"Retry-After": str(RETRY_AFTER)}
    if plain_pages.wants_page(request):
        return plain_pages.outage_page(request, headers)
    return problem_response(
        status=503,
        title=N_("Service unavailable"),
        detail=_DETAIL,
        kind="database-unavailable",
        instance=request.url.path,
        headers=headers,
        lang=language_of(request),
    )


def database_state(engine: Engine) -> tuple[bool, str | None]:
    """Ask the database ``SELECT 1``; return (answers, why not)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (DBAPIError, sqlite3.Error) as exc:
        if not is_unavailable(exc):
            raise
        return False, describe_error(exc)
    return True, None


def install(app: FastAPI) -> None:
    """Register the handler; the generic 500 handler still takes every other error."""
    once = _Once()

    async def _database(request: Request, exc: Exception) -> Response:
        if not is_unavailable(exc):
            log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
            return problem_response(
                status=500,
                title=N_("Internal error"),
                detail=N_("the server failed to handle this request; nothing was written"),
                kind="internal-error",
                instance=request.url.path,
                lang=language_of(request),
            )
        if once.due():
            log.warning("database unavailable (answering 503): %s", describe_error(exc))
        return unavailable_response(request)

    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(sqlite3.OperationalError, _database)
