"""The FastAPI application factory: mounts every domain's router and the web UI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import text

from epibridge import __version__
from epibridge.api import audit_routes, problems
from epibridge.api.idempotency import IdempotencyMiddleware
from epibridge.api.limits import BodySizeLimit
from epibridge.api.text_guard import UnsafeTextGuard
from epibridge.assistance import api as assistance_api
from epibridge.borders import api as borders_api
from epibridge.consultations import api as consultations_api
from epibridge.db import create_db_engine, make_sessionmaker, read_session
from epibridge.detection import api as detection_api
from epibridge.epidata import api as epidata_api
from epibridge.members import api as members_api
from epibridge.notifications import api as notifications_api
from epibridge.notifications.outbox import api as outbox_api
from epibridge.reports import api as reports_api
from epibridge.settings import Settings, secret_key
from epibridge.web import pages

#: Routes that take file uploads and so get the larger upload limit.
UPLOAD_PATHS: tuple[str, ...] = ("/api/v1/data/submissions", "/web/data/import")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings()
    engine = create_db_engine(settings.database_url, echo=settings.sql_echo)
    sessions = make_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(level=logging.INFO)
        yield
        engine.dispose()

    app = FastAPI(
        title="epibridge",
        version=__version__,
        description=(
            "Notification, epidemic data and coordinated response for the member states of a "
            "regional organization. All routes are under /api/v1; errors are RFC 9457 problem "
            "documents; lists are cursor-paginated; POST accepts an Idempotency-Key header."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key(settings)
    app.state.engine = engine
    app.state.sessions = sessions

    problems.install(app)
    app.add_middleware(
        IdempotencyMiddleware,
        sessions=sessions,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        max_buffer=settings.max_body_bytes,
    )
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    # Outermost: a NUL or control character in the path or query is refused before anything.
    app.add_middleware(UnsafeTextGuard)

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict[str, str]:
        """Report whether the service and its database answer."""
        with read_session(sessions) as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": engine.dialect.name}

    app.include_router(members_api.router)
    app.include_router(members_api.users_router)
    app.include_router(audit_routes.router)
    app.include_router(notifications_api.router)
    app.include_router(outbox_api.router)
    app.include_router(consultations_api.router)
    app.include_router(epidata_api.router)
    app.include_router(borders_api.router)
    app.include_router(assistance_api.router)
    app.include_router(detection_api.router)
    app.include_router(reports_api.router)
    # Domain routers: one include line per domain, above this comment.
    pages.mount(app)
    return app
