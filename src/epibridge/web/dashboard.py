"""The situation dashboard (map, events, acknowledgements owed, deadlines) and the states page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge import maps
from epibridge.db import read_session, utcnow
from epibridge.detection import service as detection
from epibridge.detection.schemas import SignalRead
from epibridge.detection.statuses import SignalStatus
from epibridge.epidata.population import population
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.members import views
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import Situation
from epibridge.preparedness import service as preparedness
from epibridge.security import Action, Principal, decide
from epibridge.web import dashboard_delay, dashboard_figures
from epibridge.web.context import Web, get_web, page_errors

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]

STATUS_NAMES = {
    "member": N_("Member state"),
    "observer": N_("Observer"),
    "dialogue_partner": N_("Dialogue partner"),
    "partner": N_("Partner"),
}
RISK_NAMES = {
    "low": N_("Low risk"),
    "moderate": N_("Moderate risk"),
    "high": N_("High risk"),
    "very_high": N_("Very high risk"),
}


def translated(web: Web, names: dict[str, str]) -> dict[str, str]:
    return {key: web.gettext(value) for key, value in names.items()}


def _signals(session: Any, principal: Principal) -> list[SignalRead] | None:
    """Open detection signals for accounts that read the members' data; None hides the part."""
    if not decide(principal, Action.READ_MEMBERS).allowed:
        return None
    page = detection.list_signals(
        session, principal=principal, state=principal.state, status=SignalStatus.OPEN, limit=10
    )
    return [detection.to_read(row) for row in page.items]


def _figures(
    session: Any, web: Web, principal: Principal, day: date, disease: str, names: dict[str, str]
) -> dashboard_figures.Figures | None:
    """The epidemic figures for accounts that read the members' data; None hides the part."""
    if not decide(principal, Action.READ_MEMBERS).allowed:
        return None
    return dashboard_figures.build(
        session, web, principal, on=day, disease=disease, state_names=names
    )


@router.get("/", response_class=HTMLResponse)
@page_errors
def dashboard(web: WebDep, on: str | None = None, disease: str = "") -> Response:
    day = _day(on)
    now = utcnow()
    with read_session(web.sessions) as session:
        organization = members.get_organization(session)
        states = members.list_states(session, on=day)
        statuses = {item.state.iso3: item.status for item in states}
        names = members.state_names(session, on=day, lang=web.lang)
        situation: Situation | None = None
        signals: list[SignalRead] | None = None
        figures: dashboard_figures.Figures | None = None
        open_tests: list[Any] = []
        if web.principal is not None:
            situation = notifications.situation(session, actor=web.principal, on=day, now=now)
            open_tests = preparedness.unanswered(session, actor=web.principal)
            signals = _signals(session, web.principal)
            figures = _figures(session, web, web.principal, day, disease, names)
        delays = (
            dashboard_delay.rows(
                session,
                web.principal,  # type: ignore[arg-type]
                disease=figures.found.rate_disease,
                on=day,
                state_names=names,
            )
            if figures
            else []
        )
    risks: dict[str, list[str]] = {}
    for item in situation.active if situation else []:
        risks.setdefault(item.state, []).append(item.risk_level or "")
    legend = [
        (status, [views.state_read(s, web.lang) for s in states if s.status == status])
        for status in MembershipStatus
    ]
    return web.render(
        "dashboard.html",
        {
            "org_name": organization.names.get(web.lang) or organization.names.get("en"),
            "day": day,
            "now": now,
            "view_box": maps.view_box(),
            "shapes": maps.shapes(statuses, names, risks),
            "legend": [(status, rows) for status, rows in legend if rows],
            "status_names": translated(web, STATUS_NAMES),
            "risk_names": translated(web, RISK_NAMES),
            "situation": situation,
            "signals": signals,
            "state_names": names,
            "figures": figures,
            "rate_legend": dashboard_figures.legend(web, figures.edges) if figures else [],
            "open_tests": open_tests,
            "delays": delays,
            "weeks": dashboard_delay.WEEKS,
        },
    )


@router.get("/states", response_class=HTMLResponse)
@page_errors
def states_page(web: WebDep, on: str | None = None) -> Response:
    day = _day(on)
    with read_session(web.sessions) as session:
        organization = members.get_organization(session)
        listed = [views.state_read(s, web.lang) for s in members.list_states(session, on=day)]
        chair = members.chair_on(session, on=day)
        chair_name = (
            members.get_state(session, iso3=chair.state_iso3).name(web.lang) if chair else None
        )
    return web.render(
        "states.html",
        {
            "org_name": organization.names.get(web.lang) or organization.names.get("en"),
            "day": day,
            "members": [s for s in listed if s.status == MembershipStatus.MEMBER],
            "others": [s for s in listed if s.status != MembershipStatus.MEMBER],
            "chair_name": chair_name,
            "status_names": translated(web, STATUS_NAMES),
            "populations": {s.iso3: population(s.iso3, day.year) for s in listed},
        },
    )


def _day(on: str | None) -> date:
    try:
        return date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        return utcnow().date()
