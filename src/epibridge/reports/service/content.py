"""What a situation report says, gathered from the other domains' services for one ISO week.

Only the services' public functions are used. Where a service has no query for "changed in a
period", the report reads what the service offers (a state's events, a crossing's history) and
keeps the rows of the week itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from epibridge import i18n, paging
from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import RequestRead
from epibridge.assistance.statuses import RequestStatus
from epibridge.borders import service as borders
from epibridge.borders import views as border_views
from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.consultations.schemas import ConsultationSummary
from epibridge.consultations.statuses import ConsultationStatus
from epibridge.detection import service as detection
from epibridge.detection.statuses import SignalStatus
from epibridge.epidata import queries
from epibridge.epidata.schemas import SeriesRead
from epibridge.epidata.selector import SeriesSelector
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.notifications.diseases import disease_name
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.statuses import EventMode, EventStatus
from epibridge.reports.service.delays import DelayLine, delay_lines
from epibridge.reports.service.timeliness_section import TimelinessSection, weekly_section
from epibridge.reports.weeks import IsoWeek
from epibridge.security import Principal

#: Weeks shown on each epidemic curve: the report's week and the eleven before it.
CURVE_WEEKS = 12
#: Diseases whose weekly series are always looked at, besides those of the week's events and
#: detection signals (the epidemic database has no "which diseases have data" query): the
#: influenza, gastroenteritis, measles and typhoid series the members report weekly, COVID-19
#: and cholera.
WATCHED_DISEASES: tuple[str, ...] = ("J11", "A09", "B05", "A01.0", "U07.1", "A00")
_PAGE = 500


@dataclass
class EventLine:
    id: int
    state: str
    title: str
    disease: str
    disease_name: str
    status: str
    risk: str | None
    happened: list[str]  # notified, updated, closed: what happened to it this week
    cases: int | None  # None: no count reported (the table shows a dash, never 0)
    deaths: int | None
    mode: str


@dataclass
class Alarm:
    state: str
    period_start: date
    period_end: date
    method: str
    observed: float | None
    upperbound: float | None
    status: str
    synthetic: bool


@dataclass
class Curve:
    disease: str
    disease_name: str
    weeks: list[tuple[date, int | None]]  # (Monday, total of the shown states)
    by_state: list[tuple[str, int | None]]  # the report week's value per state that reported
    synthetic: bool
    alarms: list[Alarm]
    #: Per state: how late it reports, and the report week corrected (``delays``).
    delays: list[DelayLine] = field(default_factory=list)


@dataclass
class CrossingChange:
    crossing: str
    states: list[str]
    side: str
    direction: str
    traffic: str
    status: str
    previous: str | None
    effective_from: datetime
    measures: str | None


@dataclass
class Content:
    week: IsoWeek
    lang: str
    state: str | None
    generated_at: datetime
    generated_by: str
    org_name: str
    state_names: dict[str, str]
    statuses: dict[str, str | None]
    events: list[EventLine] = field(default_factory=list)
    exercises: list[EventLine] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)
    crossings: list[CrossingChange] = field(default_factory=list)
    needs: list[RequestRead] = field(default_factory=list)
    consultations: list[ConsultationSummary] = field(default_factory=list)
    timeliness: TimelinessSection | None = None

    def count(self, what: str) -> int:
        return sum(1 for e in self.events if what in e.happened)


def gather(
    session: Session,
    *,
    actor: Principal,
    week: IsoWeek,
    lang: str,
    state: str | None,
    now: datetime,
) -> Content:
    """Collect every section of the report for ``week`` as ``actor`` may see it."""
    organization = members.get_organization(session)
    listed = members.list_states(session, on=week.sunday)
    content = Content(
        week=week,
        lang=lang,
        state=state,
        generated_at=now,
        generated_by=actor.actor,
        org_name=organization.names.get(lang) or organization.names.get("en") or "",
        state_names=members.state_names(session, on=week.sunday, lang=lang),
        statuses={item.state.iso3: item.status for item in listed},
    )
    real, drills = _events(session, actor, week, lang, state)
    content.events, content.exercises = real, drills
    content.curves = _curves(session, actor, week, lang, state, content, real)
    content.crossings = _crossings(session, week, state, lang)
    content.needs = _needs(session, actor, state, now)
    content.consultations = _consultations(session, actor, week, state)
    content.timeliness = weekly_section(
        session, actor=actor, monday=week.monday, sunday=week.sunday, state=state, now=now
    )
    return content


def _events(
    session: Session, actor: Principal, week: IsoWeek, lang: str, state: str | None
) -> tuple[list[EventLine], list[EventLine]]:
    """Events notified, updated or closed in the week; drills apart from real events."""
    found: list[EventLine] = []
    events = paging.every(
        lambda cursor: notifications.list_events(
            session, actor=actor, limit=_PAGE, cursor=cursor, state=state
        )
    )
    for event in events:
        line = _event_line(session, event, week, lang)
        if line is not None:
            found.append(line)
    found.sort(key=lambda e: (e.state, e.id))
    real = [e for e in found if e.mode == EventMode.ACTUAL]
    return real, [e for e in found if e.mode != EventMode.ACTUAL]


def _event_line(
    session: Session, event: NotificationEvent, week: IsoWeek, lang: str
) -> EventLine | None:
    if event.notified_at is None or event.notified_at >= week.end or event.updated_at < week.start:
        return None
    happened = []
    if week.contains(event.notified_at):
        happened.append(EventStatus.NOTIFIED)
    kinds = {
        v.kind for v in notifications.versions(session, event_id=event.id) if week.contains(v.at)
    }
    if EventStatus.UPDATED in kinds:
        happened.append(EventStatus.UPDATED)
    if EventStatus.CLOSED in kinds or week.contains(event.closed_at):
        happened.append(EventStatus.CLOSED)
    if not happened:
        return None
    return EventLine(
        id=event.id,
        state=event.state,
        title=i18n.localized(event, "title", lang),
        disease=event.disease,
        disease_name=disease_name(event.disease, lang) or event.disease,
        status=event.status,
        risk=event.risk_level,
        happened=happened,
        cases=_reported_cases(event),
        deaths=event.deaths,
        mode=event.mode,
    )


def _reported_cases(event: NotificationEvent) -> int | None:
    """Suspected, probable and confirmed cases together; None when none was reported."""
    given = [
        c
        for c in (event.suspected_cases, event.probable_cases, event.confirmed_cases)
        if c is not None
    ]
    return sum(given) if given else None


def _curves(
    session: Session,
    actor: Principal,
    week: IsoWeek,
    lang: str,
    state: str | None,
    content: Content,
    events: list[EventLine],
) -> list[Curve]:
    """Weekly case curves of the diseases with cases reported in the report's week."""
    first = week.minus(CURVE_WEEKS - 1)
    signals = _signals(session, actor, first, week, state)
    candidates = list(dict.fromkeys([*WATCHED_DISEASES, *(e.disease for e in events), *signals]))
    states = (
        [state]
        if state
        else sorted(
            code for code, status in content.statuses.items() if status == MembershipStatus.MEMBER
        )
    )
    curves = []
    for code in candidates:
        if code == "unknown":
            continue
        selector = SeriesSelector(
            disease=code,
            states=tuple(states),
            granularity="week",
            start=first.monday,
            end=week.sunday,
        )
        # series() fails on a selection with no stored series at all (empty frame), so ask
        # first whether any of the states has one.
        if not queries.series_meta(session, selector, states):
            continue
        result = queries.series(session, principal=actor, selector=selector, total=True)
        total = result.total
        assert total is not None
        by_week = {p.period_start: p.value for p in total.points}
        if not by_week.get(week.monday):
            continue
        curves.append(
            Curve(
                disease=code,
                disease_name=disease_name(code, lang) or code,
                weeks=[(w.monday, by_week.get(w.monday)) for w in _weeks(first, week)],
                by_state=_week_values(result.series, week.monday),
                synthetic=total.synthetic,
                alarms=signals.get(code, []),
                delays=delay_lines(
                    session,
                    actor=actor,
                    disease=code,
                    states=[s for s, _ in _week_values(result.series, week.monday)],
                    monday=week.monday,
                    now=content.generated_at,
                ),
            )
        )
    return curves


def _weeks(first: IsoWeek, last: IsoWeek) -> list[IsoWeek]:
    out = [first]
    while out[-1] != last:
        out.append(out[-1].minus(-1))
    return out


def _week_values(series: list[SeriesRead], monday: date) -> list[tuple[str, int | None]]:
    values = []
    for one in series:
        value = next((p.value for p in one.points if p.period_start == monday), None)
        if value is not None:
            values.append((one.state, value))
    return values


def _signals(
    session: Session, actor: Principal, first: IsoWeek, week: IsoWeek, state: str | None
) -> dict[str, list[Alarm]]:
    """Detection alarms on the members' weekly series within the curves' weeks, by disease."""
    found: dict[str, list[Alarm]] = {}
    signals = paging.every(
        lambda cursor: detection.list_signals(
            session, principal=actor, state=state, dataset="sco", cursor=cursor, limit=_PAGE
        )
    )
    for s in signals:
        if s.granularity != "week" or not s.alarm or s.status == SignalStatus.DISMISSED:
            continue
        if not first.monday <= s.period_start <= week.sunday:
            continue
        found.setdefault(s.disease, []).append(
            Alarm(
                state=s.state,
                period_start=s.period_start,
                period_end=s.period_end,
                method=s.method,
                observed=s.observed,
                upperbound=s.upperbound,
                status=s.status,
                synthetic=s.synthetic,
            )
        )
    for alarms in found.values():
        alarms.sort(key=lambda a: (a.period_start, a.state))
    return found


def _crossings(
    session: Session, week: IsoWeek, state: str | None, lang: str
) -> list[CrossingChange]:
    """Status reports that took effect in the week, with the status each replaced."""
    changes: list[CrossingChange] = []
    crossings = paging.every(
        lambda cursor: borders.list_crossings(session, state=state, cursor=cursor, limit=_PAGE)
    )
    for crossing in crossings:
        reports = list(
            paging.every(
                lambda cursor, crossing_id=crossing.id: borders.history(
                    session, crossing_id=crossing_id, cursor=cursor, limit=_PAGE
                )
            )
        )
        replaced = {r.superseded_by: r.status for r in reports if r.superseded_by}
        for report in reports:
            if not week.contains(report.effective_from):
                continue
            changes.append(
                CrossingChange(
                    crossing=border_views.names_in(crossing, lang)["name"],
                    states=crossing.states,
                    side=report.side,
                    direction=report.direction,
                    traffic=report.traffic,
                    status=report.status,
                    previous=replaced.get(report.id),
                    effective_from=report.effective_from,
                    measures=report.measures_text,
                )
            )
    changes.sort(key=lambda c: (c.effective_from, c.crossing))
    return changes


def _needs(
    session: Session, actor: Principal, state: str | None, now: datetime
) -> list[RequestRead]:
    """Assistance requests that still need something when the report is made.

    The assistance service keeps no history of what remained on a past day, so the section is
    the state of the requests at generation time (the report says so).
    """
    requests = paging.every(
        lambda cursor: assistance.list_requests(
            session,
            actor=actor,
            state=state,
            status=RequestStatus.OPEN,
            cursor=cursor,
            limit=_PAGE,
            today=now.date(),
        )
    )
    return [r for r in requests if r.remaining_total > 0]


def _consultations(
    session: Session, actor: Principal, week: IsoWeek, state: str | None
) -> list[ConsultationSummary]:
    """Consultations open now that were convened by the end of the week."""
    listed = paging.every(
        lambda cursor: consultations.list_(
            session,
            actor=actor,
            status=ConsultationStatus.OPEN,
            state=state,
            limit=_PAGE,
            cursor=cursor,
        )
    )
    rows = [c for c in listed if c.convened_on <= week.sunday]
    return consultation_views.summaries(session, rows)
