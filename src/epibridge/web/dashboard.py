"""The situation dashboard (map, events, acknowledgements owed, deadlines) and the states page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge.db import read_session, utcnow
from epibridge.detection import service as detection
from epibridge.members import service as members
from epibridge.members import views
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationSummary
from epibridge.security import Action, Principal, decide
from epibridge.web import mapview
from epibridge.web.context import Web, get_web, page_errors
from epibridge.web.i18n import N_

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
ACTIVE = ("notified", "updated")


def translated(web: Web, names: dict[str, str]) -> dict[str, str]:
    return {key: web.gettext(value) for key, value in names.items()}


def _active_on(item: NotificationSummary, day: date, closed: dict[int, datetime | None]) -> bool:
    ended = closed.get(item.id)
    return item.onset_date <= day and (ended is None or ended.date() >= day)


def _situation(session: Any, principal: Principal, day: date, now: datetime) -> dict[str, Any]:
    """Events active on ``day``, the latest ones, acknowledgements owed and running deadlines."""
    rows, _ = notifications.list_events(session, actor=principal, limit=200, now=now)
    summaries = [notifications.to_summary(row, now) for row in rows]
    closed = {row.id: row.closed_at for row in rows}
    active = [s for s in summaries if s.status in ACTIVE and _active_on(s, day, closed)]
    owed = []
    verifications = []
    for row, summary in zip(rows, summaries, strict=True):
        if summary.status not in ACTIVE:
            continue
        if principal.state and principal.state in notifications.pending_states(
            session, row, now=now
        ):
            owed.append(summary)
        for request in notifications.to_read(session, row, now).verifications:
            if request.answered_at is None and (
                principal.state is None or principal.state in (row.state, request.requester_state)
            ):
                verifications.append({"event": summary, "request": request})
    deadlines = [
        s
        for s in summaries
        if s.notification_deadline is not None and s.notified_at is None and s.status == "draft"
    ]
    signals = None
    if decide(principal, Action.READ_MEMBERS).allowed:
        rows_, _ = detection.list_signals(
            session, principal=principal, state=principal.state, status="open", limit=10
        )
        signals = [detection.to_read(row) for row in rows_]
    return {
        "signals": signals,
        "active": active,
        "latest": summaries[:10],
        "owed": owed,
        "deadlines": sorted(deadlines, key=lambda s: s.notification_deadline or now),
        "verifications": sorted(verifications, key=lambda v: v["request"].due_at),
    }


@router.get("/", response_class=HTMLResponse)
@page_errors
def dashboard(web: WebDep, on: str | None = None) -> Response:
    day = _day(on)
    now = utcnow()
    with read_session(web.sessions) as session:
        organization = members.get_organization(session)
        states = members.list_states(session, on=day)
        statuses = {item.state.iso3: item.status for item in states}
        names = {item.state.iso3: item.state.name(web.lang) for item in states}
        situation = (
            _situation(session, web.principal, day, now) if web.principal is not None else None
        )
    risks: dict[str, list[str]] = {}
    for item in situation["active"] if situation else []:
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
            "view_box": mapview.view_box(),
            "shapes": mapview.shapes(statuses, names, risks),
            "legend": [(status, rows) for status, rows in legend if rows],
            "status_names": translated(web, STATUS_NAMES),
            "risk_names": translated(web, RISK_NAMES),
            "situation": situation,
            "state_names": names,
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
        },
    )


def _day(on: str | None) -> date:
    try:
        return date.fromisoformat(on) if on else utcnow().date()
    except ValueError:
        return utcnow().date()
