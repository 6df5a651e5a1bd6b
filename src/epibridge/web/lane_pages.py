"""Green and fast lanes in the browser: the list with each lane's checks, and the forms that
record, change and remove a lane.

The service decides who may (a focal point of a party state, or the Secretariat) and what a
lane may cover; these pages offer the forms to those it names and show its refusals.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.borders import service as borders
from epibridge.borders import views as border_views
from epibridge.borders.schemas import CrossingRead, LaneCheck, LaneCreate, LaneUpdate
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import PermissionDenied
from epibridge.web import border_forms
from epibridge.web.context import Web, get_web, page_errors, posted_form

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

NOT_A_PARTY = N_(
    "You may not record or change this lane: a focal point of one of its states, or the "
    "Secretariat, does."
)
NOT_A_PARTY_FIELD = N_("none of these states is yours")
DONE = {
    "created": N_("Lane recorded."),
    "updated": N_("Lane changed."),
    "deleted": N_("Lane removed."),
}


def _check(read: CrossingRead, lane_id: int) -> LaneCheck | None:
    return next((c for c in read.lanes if c.lane_id == lane_id), None)


@router.get("/borders/lanes", response_class=HTMLResponse)
@page_errors
def lanes_page(web: WebDep, state: str | None = None, done: str = "") -> Response:
    principal = web.require()
    today = utcnow().date()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=today, lang=web.lang)
        chosen_state = state.upper() if state and state.upper() in names else None
        lanes = borders.list_lanes(session, state=chosen_state, limit=200).items
        crossings = {c.id: c for c in border_forms.all_crossings(session)}
    rows = [
        {
            "lane": border_views.lane_read(lane),
            "active": lane.valid_from <= today
            and (lane.valid_until is None or lane.valid_until >= today),
            "editable": bool(borders.writable_states(principal, lane.states)),
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
        {
            "rows": rows,
            "state_names": names,
            "chosen_state": chosen_state,
            "can_create": bool(borders.writable_states(principal, sorted(names))),
            "done": web.gettext(DONE[done]) if done in DONE else None,
            **border_forms.names(web),
        },
    )


def _form_context(web: Web, lane_id: int | None) -> dict[str, Any]:
    principal = web.require()
    today = utcnow().date()
    with read_session(web.sessions) as session:
        names = members.state_names(session, on=today, lang=web.lang)
        crossings = border_forms.all_crossings(session)
        found = borders.get_lane(session, lane_id=lane_id) if lane_id else None
        lane = border_views.lane_read(found) if found else None
    if not borders.writable_states(principal, lane.states if lane else sorted(names)):
        # The form is for those the service lets record or change the lane.
        raise PermissionDenied(web.gettext(NOT_A_PARTY))
    if lane is None:
        own = borders.writable_states(principal, [principal.state] if principal.state else [])
        values: dict[str, Any] = {
            "kind": "green",
            "states": own,
            "target_minutes": "15",
            "valid_from": today.isoformat(),
        }
    else:
        values = {
            **lane.model_dump(mode="json"),
            "crossing_ids": [str(i) for i in lane.crossing_ids],
            "documents_accepted": "\n".join(lane.documents_accepted),
        }
    return {
        "lane": lane,
        "crossings": crossings,
        "state_names": names,
        "values": values,
        "errors": {},
        **border_forms.names(web),
    }


@router.get("/borders/lanes/new", response_class=HTMLResponse)
@page_errors
def new_lane_page(web: WebDep) -> Response:
    return web.render("borders/lane_form.html", _form_context(web, None))


@router.get("/borders/lanes/{lane_id}/edit", response_class=HTMLResponse)
@page_errors
def edit_lane_page(web: WebDep, lane_id: Id) -> Response:
    return web.render("borders/lane_form.html", _form_context(web, lane_id))


def _refused(
    web: Web, form: FormData, lane_id: int | None, exc: Exception, status: int
) -> Response:
    context = _form_context(web, lane_id)
    if isinstance(exc, PermissionDenied):
        detail, errors = web.gettext(NOT_A_PARTY), [FieldError("states", NOT_A_PARTY_FIELD)]
    else:
        assert isinstance(exc, InvalidInput | Conflict)
        detail, errors = web.detail(exc), list(exc.errors)
    sent = border_forms.form_values(form)
    if lane_id is not None:
        # Kind, states and start are fixed once recorded: shown as they are, not as sent.
        sent = {k: v for k, v in sent.items() if k not in ("kind", "states", "valid_from")}
    context["values"].update(sent)
    context.update({"errors": border_forms.shown_errors(web, errors), "detail": detail})
    return web.render("borders/lane_form.html", context, status)


def _validated(web: Web, form: FormData, model: type[LaneCreate] | type[LaneUpdate]) -> Any:
    values, errors = border_forms.lane_values(form, create=model is LaneCreate)
    try:
        data = model.model_validate(values)
    except ValidationError as exc:
        errors += border_forms.invalid(exc).errors
        data = None
    if errors:
        raise InvalidInput(border_forms.CHECK_FIELDS, errors)
    return data


@router.post("/borders/lanes", response_class=HTMLResponse)
@page_errors
def create_lane(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    try:
        data = _validated(web, form, LaneCreate)
        with write_session(web.sessions) as session:
            lane_id = borders.create_lane(session, actor=principal, data=data).id
    except (InvalidInput, Conflict) as exc:
        return _refused(web, form, None, exc, exc.status)
    except PermissionDenied as exc:
        return _refused(web, form, None, exc, 403)
    return web.redirect(f"/borders/lanes?done=created#lane-{lane_id}")


@router.post("/borders/lanes/{lane_id}", response_class=HTMLResponse)
@page_errors
def update_lane(web: WebDep, form: FormDep, lane_id: Id) -> Response:
    principal = web.require()
    try:
        data = _validated(web, form, LaneUpdate)
        with write_session(web.sessions) as session:
            borders.update_lane(session, actor=principal, lane_id=lane_id, data=data)
    except (InvalidInput, Conflict) as exc:
        return _refused(web, form, lane_id, exc, exc.status)
    except PermissionDenied as exc:
        return _refused(web, form, lane_id, exc, 403)
    return web.redirect(f"/borders/lanes?done=updated#lane-{lane_id}")


@router.post("/borders/lanes/{lane_id}/delete", response_class=HTMLResponse)
@page_errors
def delete_lane(web: WebDep, form: FormDep, lane_id: Id) -> Response:
    principal = web.require()
    try:
        with write_session(web.sessions) as session:
            borders.delete_lane(session, actor=principal, lane_id=lane_id)
    except PermissionDenied as exc:
        return _refused(web, form, lane_id, exc, 403)
    return web.redirect("/borders/lanes?done=deleted")
