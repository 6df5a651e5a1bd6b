"""Generating, storing, listing and reading situation reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, undefer

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import LANGUAGES, N_
from epibridge.members import service as members
from epibridge.notifications.outbox.service import publish
from epibridge.paging import Page
from epibridge.reports import render
from epibridge.reports.models import Report
from epibridge.reports.schemas import ReportCreate, ReportRead
from epibridge.reports.service.content import gather
from epibridge.reports.weeks import parse_week
from epibridge.security import Action, Principal, Visibility, authorize

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
TOPIC = "report.generated"


@dataclass(frozen=True)
class Rendered:
    """A report made but not stored yet: the file and what it covers."""

    week: str
    week_start: datetime
    state: str | None
    lang: str
    format: str
    filename: str
    content: bytes
    generated_by: str


def _checked(session: Session, data: ReportCreate) -> tuple[str | None, str]:
    week = parse_week(data.week)
    errors = []
    if data.lang not in LANGUAGES:
        errors.append(
            FieldError("lang", N_("one of {choices}"), data.lang, params={"choices": LANGUAGES})
        )
    if data.format not in FORMATS:
        errors.append(FieldError("format", "pdf or html", data.format))
    if errors:
        raise InvalidInput("the report request is not valid", errors)
    state = members.require_state(session, data.state, field="state") if data.state else None
    return state, week.label


def build(
    session: Session, *, actor: Principal, data: ReportCreate, now: datetime | None = None
) -> Rendered:
    """Render the situation report of one ISO week as the caller may see it (nothing stored)."""
    authorize(actor, Action.READ_MEMBERS)
    state, _ = _checked(session, data)
    week = parse_week(data.week)
    moment = now or utcnow()
    content = gather(session, actor=actor, week=week, lang=data.lang, state=state, now=moment)
    document = render.html(content)
    body = render.pdf(document) if data.format == "pdf" else document.encode("utf-8")
    name = f"sitrep-{week.label}-{state or 'all'}-{data.lang}.{data.format}"
    return Rendered(
        week=week.label,
        week_start=week.start,
        state=state,
        lang=data.lang,
        format=data.format,
        filename=name,
        content=body,
        generated_by=actor.actor,
    )


def store(session: Session, *, actor: Principal, rendered: Rendered) -> Report:
    """Keep a rendered report so it can be listed and downloaded; tell the members."""
    authorize(actor, Action.READ_MEMBERS)
    name = actor.actor
    report = Report(
        week=rendered.week,
        week_start=rendered.week_start.date(),
        state=rendered.state,
        lang=rendered.lang,
        format=rendered.format,
        filename=rendered.filename,
        created_at=utcnow(),
        created_by=name,
        digest=hashlib.sha256(rendered.content).hexdigest(),
        size_bytes=len(rendered.content),
        content=rendered.content,
    )
    session.add(report)
    session.flush()
    state = to_read(report).model_dump(mode="json")
    audit.record(
        session, actor=name, action="generate", entity="report", entity_id=report.id, state=state
    )
    publish(
        session,
        actor=name,
        topic=TOPIC,
        entity="report",
        entity_id=report.id,
        payload=state,
        visibility=Visibility.MEMBERS,
        states=[rendered.state] if rendered.state else None,
    )
    return report


def get(session: Session, *, actor: Principal, report_id: int) -> Report:
    """Return one stored report."""
    authorize(actor, Action.READ_MEMBERS)
    report = session.execute(
        select(Report).where(Report.id == report_id).options(undefer(Report.content))
    ).scalar_one_or_none()
    if report is None:
        raise NotFound(
            N_("no report {report_id}"),
            [FieldError("id", "unknown report", report_id)],
            params={"report_id": report_id},
        )
    return report


def find(
    session: Session, *, week: str, state: str | None, lang: str, format: str
) -> ReportRead | None:
    """Return the newest stored report of exactly this week, focus, language and format."""
    query = (
        select(Report)
        .options(defer(Report.content))
        .where(
            Report.week == parse_week(week).label,
            Report.state.is_(None) if state is None else Report.state == state,
            Report.lang == lang,
            Report.format == format,
        )
        .order_by(Report.id.desc())
        .limit(1)
    )
    report = session.execute(query).scalar_one_or_none()
    return to_read(report) if report is not None else None


def list_(
    session: Session,
    *,
    actor: Principal,
    week: str | None = None,
    state: str | None = None,
    lang: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[Report]:
    """List stored reports, newest first, one page at a time."""
    authorize(actor, Action.READ_MEMBERS)
    # Only the listing columns: the files stay in the database until one is downloaded.
    query = select(Report).options(defer(Report.content))
    if week:
        query = query.where(Report.week == parse_week(week).label)
    if state:
        query = query.where(Report.state == members.require_state(session, state))
    if lang:
        if lang not in LANGUAGES:
            raise InvalidInput(
                "unknown language",
                [FieldError("lang", N_("one of {choices}"), lang, params={"choices": LANGUAGES})],
            )
        query = query.where(Report.lang == lang)
    return paging.page(
        session, query, paging.Order(Report.id, descending=True), cursor=cursor, limit=limit
    )


def to_read(report: Report) -> ReportRead:
    return ReportRead(
        id=report.id,
        week=report.week,
        week_start=report.week_start,
        state=report.state,
        lang=report.lang,  # type: ignore[arg-type]
        format=report.format,  # type: ignore[arg-type]
        filename=report.filename,
        created_at=report.created_at,
        created_by=report.created_by,
        digest=report.digest,
        size_bytes=report.size_bytes,
        links={"download": f"/api/v1/reports/{report.id}/download"},
    )
