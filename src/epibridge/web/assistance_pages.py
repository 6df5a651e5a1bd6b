"""Assistance pages: the board of open needs, the requests, one request with its commitments,
the request form, cancelling, and pledging an offer that matches what remains.

The board is shared with partners, so every account that reads partner-visible things sees
it; the service leaves out the requests the account may not see. Every write calls
``assistance.service``; which buttons a page shows is the service's answer
(``request_abilities``), so a page offers exactly what the service would accept. Offers and the
steps of a commitment are in ``assistance_offers``, whose routes this router carries.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge import paging
from epibridge.assistance import service as assistance
from epibridge.assistance.catalogue import catalogue
from epibridge.assistance.schemas import CommitmentCreate
from epibridge.assistance.statuses import RequestStatus
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.notifications import service as notifications
from epibridge.security import PermissionDenied, Principal
from epibridge.web import assistance_offers
from epibridge.web.assistance_forms import (
    LABELS,
    event_choices,
    filled_form,
    form_values,
    names,
    request_input,
    state_choices,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import act, day, form_page, refusing, validated, whole

router = APIRouter(include_in_schema=False)
router.include_router(assistance_offers.router)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
BOARD_LIMIT = 500
PAGE = 50

DONE = {
    "requested": N_("The request is recorded and the member states are told."),
    "cancelled": N_("The request is cancelled; pledges not yet dispatched are released."),
    "pledged": N_("The pledge is recorded."),
}
CANCEL_REFUSED = N_(
    "Only the requesting state's focal point, or the Secretariat on its behalf, may cancel "
    "this request."
)
REQUEST_REFUSED = N_(
    "A focal point requests assistance for its own state; the Secretariat may do so on a "
    "member state's behalf."
)
PLEDGE_REFUSED = N_(
    "Only the offering state's focal point, or the Secretariat, may pledge from this offer."
)


def _state_names(session: Any, lang: str) -> dict[str, str]:
    return members.state_names(session, on=utcnow().date(), lang=lang)


@router.get("/assistance", response_class=HTMLResponse)
@page_errors
def board_page(web: WebDep, state: str | None = None, item: str | None = None) -> Response:
    principal = web.require()
    items = catalogue()
    with read_session(web.sessions) as session:
        state_names = _state_names(session, web.lang)
        chosen_state = state.upper() if state and state.upper() in state_names else None
        chosen_item = item if item in items else None
        board = assistance.board(
            session, actor=principal, state=chosen_state, item=chosen_item, limit=BOARD_LIMIT
        )
    return web.render(
        "assistance/board.html",
        {
            "board": board,
            "state_names": state_names,
            "chosen_state": chosen_state,
            "chosen_item": chosen_item,
            **names(web),
        },
    )


@router.get("/assistance/requests", response_class=HTMLResponse)
@page_errors
def requests_page(
    web: WebDep, status: str = "", state: str = "", cursor: str | None = None
) -> Response:
    principal = web.require()
    chosen = status if status in {s.value for s in RequestStatus} else ""
    with read_session(web.sessions) as session:
        state_names = _state_names(session, web.lang)
        chosen_state = state.upper() if state.upper() in state_names else ""
        page = assistance.list_requests(
            session,
            actor=principal,
            status=chosen or None,
            state=chosen_state or None,
            cursor=cursor or None,
            limit=PAGE,
        )
    query = {"status": chosen, "state": chosen_state, "cursor": page.next_cursor}
    return web.render(
        "assistance/requests.html",
        {
            "requests": page.items,
            "state_names": state_names,
            "chosen_status": chosen,
            "chosen_state": chosen_state,
            "next_url": f"/assistance/requests?{urlencode({k: v for k, v in query.items() if v})}"
            if page.next_cursor
            else None,
            **names(web),
        },
    )


def _request_form(
    web: Web,
    principal: Principal,
    values: dict[str, str],
    problems: DomainError | None = None,
) -> Response:
    chosen = values.get("state") or principal.state
    context = {
        "states": state_choices(web, principal),
        "events": event_choices(web, principal, chosen if principal.state else None),
    }
    return filled_form(web, "assistance/request_form.html", context, values, problems)


@router.get("/assistance/requests/new", response_class=HTMLResponse)
@page_errors
def new_request_page(web: WebDep, event_id: str = "") -> Response:
    principal = web.require()
    return _request_form(web, principal, {"event_id": event_id, "urgency": "expected"})


@router.post("/assistance/requests/new", response_class=HTMLResponse)
@page_errors
@refusing(REQUEST_REFUSED)
def create_request(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = form_values(form)
    try:
        request = act(web, assistance.create_request, data=request_input(form, principal))
    except InvalidInput as exc:
        return _request_form(web, principal, values, exc)
    return web.redirect(f"/assistance/requests/{request.id}?done=requested")


def _event(session: Any, principal: Principal, event_id: int | None) -> Any:
    """The linked event, if the reader may see it (the link is shown either way)."""
    if event_id is None:
        return None
    try:
        return notifications.get(session, actor=principal, event_id=event_id)
    except (DomainError, PermissionDenied):
        return None


def _request_context(web: Web, principal: Principal, request_id: int) -> dict[str, Any]:
    with read_session(web.sessions) as session:
        request = assistance.get_request(session, actor=principal, request_id=request_id)
        commitments = list(
            paging.every(
                lambda cursor: assistance.list_commitments(
                    session, actor=principal, request_id=request_id, cursor=cursor, limit=200
                )
            )
        )
        answers = list(
            paging.every(
                lambda cursor: assistance.list_offers(
                    session, actor=principal, request_id=request_id, cursor=cursor, limit=200
                )
            )
        )
        abilities = assistance.request_abilities(session, actor=principal, request_id=request_id)
        matches = assistance.suggest_matches(session, actor=principal, request_id=request_id)
        event = _event(session, principal, request.event_id)
        state_names = _state_names(session, web.lang)
    return {
        "request": request,
        "commitments": commitments,
        "answers": answers,
        "abilities": abilities,
        "matches": matches,
        "event": event,
        "state_names": state_names,
        "values": {},
        **names(web),
    }


@router.get("/assistance/requests/{request_id}", response_class=HTMLResponse)
@page_errors
def request_page(web: WebDep, request_id: Id, done: str = "") -> Response:
    principal = web.require()
    context = _request_context(web, principal, request_id)
    context["done"] = web.gettext(DONE[done]) if done in DONE else None
    context["done"] = context["done"] or assistance_offers.done_message(web, done)
    return form_page(web, "assistance/request.html", context, None, LABELS.get)


def _refused_on_request(
    web: Web, principal: Principal, request_id: int, exc: DomainError, values: dict[str, str]
) -> Response:
    context = {**_request_context(web, principal, request_id), "values": values}
    return form_page(web, "assistance/request.html", context, exc, LABELS.get)


@router.post("/assistance/requests/{request_id}/cancel", response_class=HTMLResponse)
@page_errors
@refusing(CANCEL_REFUSED)
def cancel_request(web: WebDep, form: FormDep, request_id: Id) -> Response:
    reason = text(form, "reason") or None
    act(web, assistance.cancel_request, request_id=request_id, reason=reason)
    return web.redirect(f"/assistance/requests/{request_id}?done=cancelled")


@router.post("/assistance/requests/{request_id}/pledge", response_class=HTMLResponse)
@page_errors
@refusing(PLEDGE_REFUSED)
def pledge(web: WebDep, form: FormDep, request_id: Id) -> Response:
    """Pledge part of an open offer line to a line of this request (EDXL-RM CommitResource)."""
    principal = web.require()
    values = form_values(form)
    problems: list[FieldError] = []
    payload = {
        "request_line_id": whole(text(form, "request_line_id"), "request_line_id", problems),
        "offer_line_id": whole(text(form, "offer_line_id"), "offer_line_id", problems),
        "quantity": whole(text(form, "quantity"), "quantity", problems, required=True),
        "expected_delivery": day(text(form, "expected_delivery"), "expected_delivery", problems),
    }
    try:
        data = validated(CommitmentCreate, payload, problems)
        with write_session(web.sessions) as session:
            request = assistance.get_request(session, actor=principal, request_id=request_id)
            if data.request_line_id not in {line.id for line in request.lines}:
                raise InvalidInput(
                    N_("The pledge is not valid."),
                    [FieldError("request_line_id", N_("not a line of this request"))],
                )
            assistance.commit(session, actor=principal, data=data)
    except InvalidInput as exc:
        return _refused_on_request(web, principal, request_id, exc, values)
    return web.redirect(f"/assistance/requests/{request_id}?done=pledged#commitments")
