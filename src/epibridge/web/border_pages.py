"""Border pages: the map and table of crossings by status, one crossing's history, the lanes.

Crossing statuses are public, so every signed-in account reads these pages; only the focal
point of a side (or the Secretariat on its behalf) sees the form to report that side's status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge import maps, paging
from epibridge.borders import service as borders
from epibridge.borders import views as border_views
from epibridge.borders.schemas import CrossingRead, LaneCheck, StatusReportCreate
from epibridge.borders.statuses import CrossingStatus
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import Action, Principal, decide
from epibridge.validation_messages import field_error
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.dashboard import translated

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

STATUS_NAMES = {
    "open": N_("Open"),
    "restricted": N_("Restricted"),
    "closed": N_("Closed"),
    "unknown": N_("No report"),
    "conflict": N_("Sides disagree"),
}
KIND_NAMES = {
    "road": N_("Road"),
    "rail": N_("Rail"),
    "river": N_("River"),
    "air": N_("Air"),
    "sea": N_("Sea"),
}
TRAFFIC_NAMES = {"freight": N_("Freight"), "people": N_("People")}
DIRECTION_NAMES = {"outbound": N_("Outbound"), "inbound": N_("Inbound")}
LANE_NAMES = {"green": N_("Green lane"), "fast": N_("Fast lane")}
#: Enough for every crossing of the registry on one page.
MAX_CROSSINGS = 500


def _names(web: Web) -> dict[str, dict[str, str]]:
    return {
        "status_names": translated(web, STATUS_NAMES),
        "kind_names": translated(web, KIND_NAMES),
        "traffic_names": translated(web, TRAFFIC_NAMES),
        "direction_names": translated(web, DIRECTION_NAMES),
        "lane_names": translated(web, LANE_NAMES),
    }


def _all_crossings(session: Any, **filters: Any) -> list[CrossingRead]:
    found: list[CrossingRead] = []
    pages = paging.pages(
        lambda cursor: borders.list_crossings(session, cursor=cursor, limit=200, **filters)
    )
    for page in pages:
        found.extend(page.items)
        if len(found) >= MAX_CROSSINGS:
            break
    return found


def _mark(read: CrossingRead) -> str:
    return "conflict" if read.conflict else read.status


@router.get("/borders", response_class=HTMLResponse)
@page_errors
def crossings_page(
    web: WebDep,
    state: str | None = None,
    status: str | None = None,
    conflict: str | None = None,
) -> Response:
    web.require()
    chosen_status = status if status in set(CrossingStatus) else None
    with read_session(web.sessions) as session:
        today = utcnow().date()
        statuses = {item.state.iso3: item.status for item in members.list_states(session, on=today)}
        names = members.state_names(session, on=today, lang=web.lang)
        chosen_state = state.upper() if state and state.upper() in names else None
        items = _all_crossings(
            session, state=chosen_state, status=chosen_status, conflict_only=bool(conflict)
        )
    points = [
        {
            "read": item,
            "mark": _mark(item),
            "xy": maps.place(item.coordinates.longitude, item.coordinates.latitude),
        }
        for item in items
    ]
    return web.render(
        "borders/crossings.html",
        {
            "view_box": maps.view_box(),
            "shapes": maps.shapes(statuses, names, {}),
            "points": points,
            "state_names": names,
            "chosen_state": chosen_state,
            "chosen_status": chosen_status,
            "conflict_only": bool(conflict),
            **_names(web),
        },
    )


def _report_sides(principal: Principal, read: CrossingRead) -> list[str]:
    return [s for s in read.states if decide(principal, Action.WRITE_STATE, s).allowed]


def _crossing_context(web: Web, crossing_id: Id, before: str | None) -> dict[str, Any]:
    principal = web.require()
    now = utcnow()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
        crossing = borders.get_crossing(session, crossing_id=crossing_id)
        history = borders.history(session, crossing_id=crossing_id, cursor=before, limit=50)
        reports = borders.current_reports(session, crossing_ids=[crossing.id], at=now)
        lanes = borders.lanes_for(session, crossing_ids=[crossing.id], on=now.date())
        read = border_views.crossing_read(
            crossing, reports.get(crossing.id, []), lanes.get(crossing.id, [])
        )
    return {
        "crossing": read,
        "mark": _mark(read),
        "history": [border_views.report_read(r) for r in history.items],
        "next_before": history.next_cursor,
        "state_names": names,
        "report_sides": _report_sides(principal, read),
        "form": {},
        "errors": {},
        **_names(web),
    }


@router.get("/borders/crossings/{crossing_id}", response_class=HTMLResponse)
@page_errors
def crossing_page(web: WebDep, crossing_id: Id, before: str | None = None) -> Response:
    return web.render("borders/crossing.html", _crossing_context(web, crossing_id, before or None))


def _optional_int(form: Any, name: str, errors: list[FieldError]) -> int | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(FieldError(name, "not a whole number", value))
        return None


@router.post("/borders/crossings/{crossing_id}/status", response_class=HTMLResponse)
@page_errors
def report_status(web: WebDep, form: FormDep, crossing_id: Id) -> Response:
    principal = web.require()
    errors: list[FieldError] = []
    values: dict[str, Any] = {
        "side": text(form, "side"),
        "direction": text(form, "direction"),
        "traffic": text(form, "traffic"),
        "status": text(form, "status"),
        "wait_minutes": _optional_int(form, "wait_minutes", errors),
        "measures_c8": _optional_int(form, "measures_c8", errors),
        "measures_text": text(form, "measures_text") or None,
        "effective_from": datetime.now(UTC),
    }
    try:
        if errors:
            raise InvalidInput("check the highlighted fields", errors)
        try:
            data = StatusReportCreate.model_validate(values)
        except ValidationError as exc:
            raise InvalidInput(
                "check the highlighted fields",
                [field_error(e, value=e.get("input")) for e in exc.errors()],
            ) from exc
        with write_session(web.sessions) as session:
            borders.report_status(session, actor=principal, crossing_id=crossing_id, data=data)
    except InvalidInput as exc:
        context = _crossing_context(web, crossing_id, None)
        context.update(
            {
                "form": {k: form.get(k) for k in form},
                "errors": web.field_errors(list(exc.errors)),
                "detail": web.detail(exc),
            }
        )
        return web.render("borders/crossing.html", context, 422)
    return web.redirect(f"/borders/crossings/{crossing_id}")


@router.get("/borders/lanes", response_class=HTMLResponse)
@page_errors
def lanes_page(web: WebDep, state: str | None = None) -> Response:
    web.require()
    today = utcnow().date()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=today, lang=web.lang)
        chosen_state = state.upper() if state and state.upper() in names else None
        lanes = borders.list_lanes(session, state=chosen_state, limit=200).items
        crossings = {c.id: c for c in _all_crossings(session)}
    rows = [
        {
            "lane": border_views.lane_read(lane),
            "active": lane.valid_from <= today
            and (lane.valid_until is None or lane.valid_until >= today),
            "checks": [
                (crossings[cid], _check(crossings[cid], lane.id))
                for cid in lane.crossing_ids
                if cid in crossings
            ],
        }
        for lane in lanes
    ]
    return web.render(
        "borders/lanes.html",
        {"rows": rows, "state_names": names, "chosen_state": chosen_state, **_names(web)},
    )


def _check(read: CrossingRead, lane_id: Id) -> LaneCheck | None:
    return next((c for c in read.lanes if c.lane_id == lane_id), None)
