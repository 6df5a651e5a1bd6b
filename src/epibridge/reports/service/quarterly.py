"""The quarterly timeliness report: gathered (``timeliness_section.quarterly``), rendered as
HTML or PDF in the reader's language, not stored (it is made again from the same records)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import LANGUAGES, N_
from epibridge.members import service as members
from epibridge.reports import render
from epibridge.reports.service.timeliness_section import quarterly
from epibridge.security import Principal

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def build_quarterly(
    session: Session,
    *,
    actor: Principal,
    quarter: str,
    lang: str = "en",
    state: str | None = None,
    format: str = "pdf",
    now: datetime | None = None,
) -> tuple[str, bytes]:
    """The quarterly timeliness report's file name and content."""
    errors = []
    if lang not in LANGUAGES:
        errors.append(FieldError("lang", N_("must be en, ru or zh"), lang))
    if format not in FORMATS:
        errors.append(FieldError("format", N_("must be pdf or html"), format))
    if errors:
        raise InvalidInput(N_("the report request is invalid"), errors)
    code = members.require_state(session, state, field="state") if state else None
    content = quarterly(
        session, actor=actor, quarter=quarter, lang=lang, state=code, now=now or utcnow()
    )
    document = render.quarterly_html(content)
    body = render.pdf(document) if format == "pdf" else document.encode("utf-8")
    return f"timeliness-{content.quarter}-{code or 'all'}-{lang}.{format}", body
