"""The FastAPI application factory: mounts every domain's router and the web UI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from epibridge import __version__, audit
from epibridge.api import audit_routes, docs, openapi, problems, unavailable
from epibridge.api.idempotency import IdempotencyMiddleware
from epibridge.api.limits import BodySizeLimit
from epibridge.api.text_guard import UnsafeTextGuard
from epibridge.api.upload_gate import UploadGate
from epibridge.assistance import api as assistance_api
from epibridge.borders import api as borders_api
from epibridge.consultations import api as consultations_api
from epibridge.db import create_db_engine, make_sessionmaker, utcnow
from epibridge.detection import api as detection_api
from epibridge.epidata import api as epidata_api
from epibridge.federation import api as federation_api
from epibridge.federation import sharing_api as federation_sharing_api
from epibridge.federation.transport import api as federation_transport_api
from epibridge.gateways.dhis2 import api as dhis2_api
from epibridge.gateways.edxl import api as edxl_api
from epibridge.gateways.fhir import api as fhir_api
from epibridge.gateways.sdmx import api as sdmx_api
from epibridge.members import api as members_api
from epibridge.notifications import api as notifications_api
from epibridge.notifications.outbox import api as outbox_api
from epibridge.nowcasting import api as nowcasting_api
from epibridge.preparedness import api as preparedness_api
from epibridge.reports import api as reports_api
from epibridge.runtime import background as runtime
from epibridge.search import api as search_api
from epibridge.settings import Settings, secret_key
from epibridge.timeliness import api as timeliness_api
from epibridge.web import pages
from epibridge.web.headers import SecurityHeaders

SUBMISSIONS_PATH = "/api/v1/data/submissions"
IMPORT_PATH = "/web/data/import"
#: Routes that take file uploads: the larger size limit, and the caller checked before the body.
UPLOAD_PATHS: tuple[str, ...] = (SUBMISSIONS_PATH, IMPORT_PATH, "/api/dhis2/")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    background: runtime.BackgroundOptions | None = None,
) -> FastAPI:
    """Build the application for ``settings`` (read from the environment when omitted).

    ``clock`` gives the moment date-dependent rules apply at (who chairs, deadlines); tests
    pass a fixed one so that they hold whatever day they run. ``background`` names what
    runs beside the server while it serves (``epibridge serve``: the worker, the scheduler).
    """
    settings = settings or Settings()
    engine = create_db_engine(settings.database_url, echo=settings.sql_echo)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logging.basicConfig(level=logging.INFO)
        threads = runtime.Background(sessions, settings, background) if background else None
        app.state.background = threads
        if threads is not None:
            threads.start()
        try:
            yield
        finally:
            if threads is not None:
                await asyncio.to_thread(threads.stop)
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
        # Served by api/docs.py from an installed package, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.secret_key = secret_key(settings)
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.background = None

    problems.install(app)
    unavailable.install(app)
    openapi.install(app)
    docs.install(app)
    app.add_middleware(
        IdempotencyMiddleware,
        sessions=sessions,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        lease=timedelta(seconds=settings.idempotency_lease_seconds),
        max_buffer=settings.max_body_bytes,
    )
    app.add_middleware(
        BodySizeLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    # Outside every middleware that reads bodies: a refused upload is answered unread.
    app.add_middleware(UploadGate, api_paths=(SUBMISSIONS_PATH,), web_paths=(IMPORT_PATH,))
    # A NUL or control character in the path or query is refused before anything else runs.
    app.add_middleware(UnsafeTextGuard)
    # Outermost: every response, the 413 and the guard's 422 included, gets the security headers.
    app.add_middleware(SecurityHeaders)

    @app.get(
        "/api/v1/health",
        tags=["service"],
        responses={503: {"description": "The database does not answer (degraded)."}},
    )
    def health() -> Response:
        """Report whether the service and its database answer, and what runs beside it."""
        answers, reason = unavailable.database_state(engine)
        threads = app.state.background
        running = threads.status() if threads is not None else runtime.off()
        if answers:
            return JSONResponse(
                {
                    "status": "ok",
                    "version": __version__,
                    "database": engine.dialect.name,
                    **running,
                }
            )
        return JSONResponse(
            {
                "status": "degraded",
                "version": __version__,
                "database": {
                    "backend": engine.dialect.name,
                    "state": "unavailable",
                    "error": reason,
                },
                **running,
            },
            status_code=503,
            headers={"Retry-After": str(unavailable.RETRY_AFTER)},
        )

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
    app.include_router(search_api.router)
    app.include_router(preparedness_api.router)
    app.include_router(timeliness_api.router)
    app.include_router(nowcasting_api.router)
    app.include_router(dhis2_api.router)
    app.include_router(fhir_api.router)
    app.include_router(sdmx_api.router)
    app.include_router(edxl_api.assistance_router)
    app.include_router(edxl_api.notifications_router)
    app.include_router(federation_api.router)
    app.include_router(federation_transport_api.router)
    app.include_router(federation_sharing_api.router)
    # Domain routers: one include line per domain, above this comment.
    pages.mount(app, api_not_found=problems.http_problem)
    return app
