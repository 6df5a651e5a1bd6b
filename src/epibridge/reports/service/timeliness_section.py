"""The 7-1-7 parts of the reports: the weekly report's timeliness section and the quarterly
timeliness report. The figures are ``timeliness.service``'s; this only chooses the periods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize
from epibridge.timeliness import service as timeliness
from epibridge.timeliness.schemas import ScorecardRead, ScorecardRow, TimelinessRead

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass
class TimelinessSection:
    """What the weekly report shows: the week's events' intervals and the quarter so far."""

    period: str
    period_start: date
    period_end: date
    quarter: ScorecardRead
    events: list[TimelinessRead] = field(default_factory=list)


def weekly_section(
    session: Session,
    *,
    actor: Principal,
    monday: date,
    sunday: date,
    state: str | None,
    now: datetime,
) -> TimelinessSection:
    """The events notified in the week with their intervals, and the quarter's scorecard up to
    the week's Sunday."""
    label, first, _ = timeliness.period_of(sunday, "quarter")
    quarter = timeliness.scorecard(
        session, actor=actor, state=state, start=first, end=sunday, now=now
    )
    week = timeliness.events(session, actor=actor, state=state, start=monday, end=sunday)
    return TimelinessSection(
        period=label,
        period_start=first,
        period_end=sunday,
        quarter=quarter,
        events=[timeliness.to_read(item) for item in week],
    )


def parse_quarter(value: str) -> tuple[str, date, date]:
    """``2026-Q3`` as its label, first and last day; an input error naming ``quarter``."""
    found = _QUARTER.match((value or "").strip().upper())
    if not found:
        raise InvalidInput(
            N_("{value} is not a quarter like 2026-Q3"),
            [FieldError("quarter", N_("not a quarter like 2026-Q3"), value)],
            params={"value": value},
        )
    year, number = int(found[1]), int(found[2])
    return timeliness.period_of(date(year, 3 * number - 2, 1), "quarter")


@dataclass
class QuarterlyContent:
    """Everything the quarterly timeliness report says."""

    quarter: str
    start: date
    end: date
    lang: str
    state: str | None
    generated_at: datetime
    generated_by: str
    org_name: str
    state_names: dict[str, str]
    region: ScorecardRead
    rows: list[ScorecardRow]
    events: list[TimelinessRead]


def quarterly(
    session: Session,
    *,
    actor: Principal,
    quarter: str,
    lang: str,
    state: str | None,
    now: datetime,
) -> QuarterlyContent:
    """Gather the quarterly timeliness report (members and the Secretariat, as the weekly)."""
    authorize(actor, Action.READ_MEMBERS)
    label, first, last = parse_quarter(quarter)
    organization = members.get_organization(session)
    items = timeliness.events(session, actor=actor, state=state, start=first, end=last)
    return QuarterlyContent(
        quarter=label,
        start=first,
        end=last,
        lang=lang,
        state=state.strip().upper() if state else None,
        generated_at=now,
        generated_by=actor.actor,
        org_name=organization.names.get(lang) or organization.names.get("en") or "",
        state_names=members.state_names(session, on=last, lang=lang),
        region=timeliness.card(session, items, state=state, start=first, end=last, now=now),
        rows=timeliness.table(
            session, actor=actor, state=state, start=first, end=last, period="quarter", now=now
        ),
        events=[timeliness.to_read(item) for item in items],
    )
