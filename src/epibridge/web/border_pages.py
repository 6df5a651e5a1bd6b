"""Border pages: the map and table of crossings by status, one crossing's measures and history,
and the form a side reports its status with (the lanes are in ``lane_pages``).

Crossing statuses are public, so every signed-in account reads these pages; the service says
which sides a person may report for (the focal point of a side, or the Secretariat on its
behalf), and only they see the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge import maps
from epibridge.borders import service as borders
from epibridge.borders import views as border_views
from epibridge.borders.schemas import CrossingRead, StatusReportCreate
from epibridge.borders.statuses import CrossingStatus
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import PermissionDenied
from epibridge.web import border_forms, lane_pages
from epibridge.web.context import Web, get_web, page_errors, posted_form

router = APIRouter(include_in_schema=False)
router.include_router(lane_pages.router)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

NOT_YOUR_SIDE = N_(
    "You may not report this side’s status: a side reports for itself (its focal point), or the "
    "Secretariat on its behalf."
)
NOT_YOUR_SIDE_FIELD = N_("not a side you may report for")
DONE = {"reported": N_("Status reported.")}


def _mark(read: CrossingRead) -> str:
    return "conflict" if read.conflict else read.status


def _points(items: list[CrossingRead]) -> list[dict[str, Any]]:
    """Each crossing where it is and where its dot goes, set aside so no dot hides another."""
    places = [maps.place(i.coordinates.longitude, i.coordinates.latitude) for i in items]
    dots = maps.spread(places)
    return [
        {"read": item, "mark": _mark(item), "at": at, "xy": xy, "moved": at != xy}
        for item, at, xy in zip(items, places, dots, strict=True)
    ]


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
        items = border_forms.all_crossings(
            session, state=chosen_state, status=chosen_status, conflict_only=bool(conflict)
        )
    return web.render(
        "borders/crossings.html",
        {
            "view_box": maps.view_box(),
            "shapes": maps.shapes(statuses, names, {}),
            "points": _points(items),
            "radius": maps.DOT_RADIUS,
            "state_names": names,
            "chosen_state": chosen_state,
            "chosen_status": chosen_status,
            "conflict_only": bool(conflict),
            **border_forms.names(web),
        },
    )


def _crossing_context(web: Web, crossing_id: Id, before: str | None) -> dict[str, Any]:
    principal = web.require()
    now = utcnow()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=now.date(), lang=web.lang)
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
        "report_sides": borders.writable_states(principal, read.states),
        "values": {},
        "errors": {},
        **border_forms.names(web),
    }


@router.get("/borders/crossings/{crossing_id}", response_class=HTMLResponse)
@page_errors
def crossing_page(
    web: WebDep, crossing_id: Id, before: str | None = None, done: str = ""
) -> Response:
    context = _crossing_context(web, crossing_id, before or None)
    context["done"] = web.gettext(DONE[done]) if done in DONE else None
    return web.render("borders/crossing.html", context)


@router.post("/borders/crossings/{crossing_id}/status", response_class=HTMLResponse)
@page_errors
def report_status(web: WebDep, form: FormDep, crossing_id: Id) -> Response:
    principal = web.require()
    try:
        values, errors = border_forms.status_values(form, utcnow())
        if errors:
            raise InvalidInput(border_forms.CHECK_FIELDS, errors)
        try:
            data = StatusReportCreate.model_validate(values)
        except ValidationError as exc:
            raise border_forms.invalid(exc) from exc
        with write_session(web.sessions) as session:
            borders.report_status(session, actor=principal, crossing_id=crossing_id, data=data)
    except (InvalidInput, Conflict) as exc:
        return _refused(web, form, crossing_id, web.detail(exc), list(exc.errors), exc.status)
    except PermissionDenied:
        refused = [FieldError("side", NOT_YOUR_SIDE_FIELD)]
        return _refused(web, form, crossing_id, web.gettext(NOT_YOUR_SIDE), refused, 403)
    return web.redirect(f"/borders/crossings/{crossing_id}?done=reported#status-form")


def _refused(
    web: Web, form: FormData, crossing_id: Id, detail: str, errors: list[FieldError], status: int
) -> Response:
    """The crossing page again, the form as it was sent and each problem beside its field."""
    context = _crossing_context(web, crossing_id, None)
    context.update(
        {
            "values": border_forms.form_values(form),
            "errors": border_forms.shown_errors(web, errors),
            "detail": detail,
        }
    )
    return web.render("borders/crossing.html", context, status)
