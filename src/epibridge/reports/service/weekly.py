"""The weekly run: the previous ISO week's reports, each generated once.

``epibridge report weekly`` (cron) and the scheduler of ``epibridge serve`` both call
``generate_weekly``, so a doubled run, a catch-up after downtime and two servers racing all end
with one stored report per week, focus, language and format (the check happens just before each
render; a rare race renders one twice, and both copies are the same week's report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.i18n import LANGUAGES
from epibridge.reports.schemas import ReportCreate
from epibridge.reports.service.reports import build, find, store
from epibridge.reports.weeks import previous_week
from epibridge.security import Action, Principal, authorize


@dataclass(frozen=True)
class WeeklyResult:
    """One report of the run: stored now (``created``) or found already stored."""

    report_id: int
    filename: str
    size_bytes: int
    created: bool


def generate_weekly(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    today: date,
    week: str | None = None,
    langs: Iterable[str] = LANGUAGES,
    states: Iterable[str] = (),
    format: str = "pdf",
    force: bool = False,
    done: Callable[[WeeklyResult], None] | None = None,
) -> list[WeeklyResult]:
    """Generate and store the reports of the previous ISO week (or ``week``) not stored yet."""
    authorize(actor, Action.READ_MEMBERS)  # checked before reading what is stored
    label = week.strip().upper() if week else previous_week(today).label
    results = []
    for language in langs:
        for focus in [None, *states]:
            data = ReportCreate.model_validate(
                {"week": label, "lang": language, "state": focus, "format": format}
            )
            result = _one(sessions, actor=actor, data=data, force=force)
            results.append(result)
            if done is not None:
                done(result)
    return results


def _one(
    sessions: sessionmaker[Session], *, actor: Principal, data: ReportCreate, force: bool
) -> WeeklyResult:
    """Render with no write lock held, then store the file in one short transaction."""
    with read_session(sessions) as session:
        existing = find(
            session,
            week=data.week,
            state=data.state and data.state.upper(),
            lang=data.lang,
            format=data.format,
        )
        if existing is not None and not force:
            return WeeklyResult(existing.id, existing.filename, existing.size_bytes, False)
        rendered = build(session, actor=actor, data=data)
    with write_session(sessions) as session:
        report = store(session, actor=actor, rendered=rendered)
        return WeeklyResult(report.id, rendered.filename, len(rendered.content), True)
