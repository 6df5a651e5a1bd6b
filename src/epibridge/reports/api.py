"""Routes of situation reports: generate, list, download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api.deps import CurrentPrincipal, ReadSession, get_sessions
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.db import read_session, write_session
from epibridge.i18n import Language
from epibridge.inputs import Id
from epibridge.reports import service
from epibridge.reports.schemas import ReportCreate, ReportRead

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]


@router.post("", response_model=ReportRead, status_code=status.HTTP_201_CREATED)
def generate(sessions: Sessions, principal: CurrentPrincipal, data: ReportCreate) -> ReportRead:
    """Generate and store the situation report of one ISO week (members and the Secretariat)."""
    # Rendering takes seconds: it reads in a read session, and only storing the file takes
    # the write lock, in one short transaction with its audit entry.
    with read_session(sessions) as session:
        rendered = service.build(session, actor=principal, data=data)
    with write_session(sessions) as session:
        return service.to_read(service.store(session, actor=principal, rendered=rendered))


@router.get("", response_model=Page[ReportRead])
def list_reports(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    week: Annotated[str | None, Query(description="Only this ISO week (2024-W21).")] = None,
    state: Annotated[str | None, Query(description="Only reports focused on this state.")] = None,
    lang: Annotated[Language | None, Query(description="Language.")] = None,
    cursor: Cursor = None,
) -> Page[ReportRead]:
    """List stored situation reports, newest first."""
    return service.list_(
        session, actor=principal, week=week, state=state, lang=lang, limit=limit, cursor=cursor
    ).map(service.to_read)


@router.get("/{report_id}", response_model=ReportRead)
def get_report(session: ReadSession, principal: CurrentPrincipal, report_id: Id) -> ReportRead:
    """Show what one stored report covers."""
    return service.to_read(service.get(session, actor=principal, report_id=report_id))


@router.get(
    "/{report_id}/download",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
def download(session: ReadSession, principal: CurrentPrincipal, report_id: Id) -> Response:
    """Download the file of one stored report."""
    report = service.get(session, actor=principal, report_id=report_id)
    return Response(
        content=report.content,
        media_type=service.FORMATS[report.format],
        headers={
            "Content-Disposition": f'attachment; filename="{report.filename}"',
            "ETag": f'"{report.digest}"',
        },
    )


@router.get(
    "/quarterly/{quarter}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/html": {}}}},
)
def quarterly(
    session: ReadSession,
    principal: CurrentPrincipal,
    quarter: str,
    lang: Annotated[Language, Query(description="Language.")] = "en",
    state: Annotated[str | None, Query(description="Only this state's events.")] = None,
    format: Annotated[str, Query(description="pdf or html.")] = "pdf",
) -> Response:
    """The quarterly 7-1-7 timeliness report (2026-Q3), made on request and not stored."""
    name, body = service.build_quarterly(
        session, actor=principal, quarter=quarter, lang=lang, state=state, format=format
    )
    return Response(
        content=body,
        media_type="application/pdf" if format == "pdf" else "text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
