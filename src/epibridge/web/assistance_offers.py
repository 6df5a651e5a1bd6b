"""Offer pages: the offers, the offer form (unsolicited, or answering a request and pledged at
once), one offer with its commitments, withdrawing it, and the steps of a commitment
(dispatched, delivered and released by the offerer, receipt confirmed by the requester).

Every write calls ``assistance.service``; which buttons a page shows is the service's answer
(``offer_abilities``). ``assistance_pages`` carries this router.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge import paging
from epibridge.assistance import service as assistance
from epibridge.assistance.catalogue import SECRETARIAT
from epibridge.assistance.schemas import CommitmentStatusUpdate
from epibridge.db import read_session, utcnow
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import Principal
from epibridge.web.assistance_forms import (
    LABELS,
    LINE_ROWS,
    filled_form,
    form_values,
    names,
    offer_input,
    state_choices,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import act, day, error_page, refusing, validated

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 50

DONE = {
    "offered": N_("The offer is recorded."),
    "offered_pledged": N_("The offer is recorded and pledged to the request."),
    "withdrawn": N_("The offer is withdrawn; pledges not yet dispatched are released."),
    "dispatched": N_("The consignment is marked dispatched."),
    "delivered": N_("The consignment is marked delivered."),
    "confirmed": N_("Receipt is confirmed."),
    "released": N_("The pledge is released."),
}
OFFER_REFUSED = N_(
    "A focal point offers assistance for its own state; the Secretariat for a member state or "
    "on the organization's own account."
)
WITHDRAW_REFUSED = N_(
    "Only the offering state's focal point, or the Secretariat, may withdraw this offer."
)
STEP_REFUSED = N_(
    "The offering state dispatches, delivers or releases a consignment; only the requesting "
    "state confirms its receipt (the Secretariat may act for either)."
)


def done_message(web: Web, done: str) -> str | None:
    return web.gettext(DONE[done]) if done in DONE else None


def _safe_back(value: str, fallback: str) -> str:
    """Only a path of the assistance pages: a form must not send anyone elsewhere."""
    if value.startswith("/assistance/") and "//" not in value and "\\" not in value:
        return value
    return fallback


@router.get("/assistance/offers", response_class=HTMLResponse)
@page_errors
def offers_page(web: WebDep, cursor: str | None = None) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        page = assistance.list_offers(session, actor=principal, cursor=cursor or None, limit=PAGE)
        state_names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return web.render(
        "assistance/offers.html",
        {
            "offers": page.items,
            "next_cursor": page.next_cursor,
            "state_names": state_names,
            **names(web),
        },
    )


def _answered(web: Web, principal: Principal, request_id: str) -> Any:
    """The request an offer form answers (``?request_id=``), if the reader may see it."""
    if not request_id.isdigit():
        return None
    with read_session(web.sessions) as session:
        try:
            return assistance.get_request(session, actor=principal, request_id=int(request_id))
        except DomainError:
            return None


def _offer_form(
    web: Web,
    principal: Principal,
    values: dict[str, str],
    problems: DomainError | None = None,
) -> Response:
    with read_session(web.sessions) as session:
        state_names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    context = {
        "states": state_choices(web, principal),
        "state_names": state_names,
        "secretariat": SECRETARIAT,
        "request": _answered(web, principal, values.get("request_id", "")),
    }
    return filled_form(web, "assistance/offer_form.html", context, values, problems)


@router.get("/assistance/offers/new", response_class=HTMLResponse)
@page_errors
def new_offer_page(web: WebDep, request_id: str = "") -> Response:
    principal = web.require()
    values: dict[str, str] = {"request_id": request_id}
    request = _answered(web, principal, request_id)
    if request is not None:
        # Answering a request: its lines with what remains, pledged at once unless unticked.
        values["commit"] = "yes"
        open_lines = [line for line in request.lines if line.remaining > 0]
        for row, line in enumerate(open_lines[:LINE_ROWS]):
            values[f"line-{row}-item"] = line.item
            values[f"line-{row}-quantity"] = str(line.remaining)
    return _offer_form(web, principal, values)


@router.post("/assistance/offers/new", response_class=HTMLResponse)
@page_errors
@refusing(OFFER_REFUSED)
def create_offer(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = form_values(form)
    try:
        data = offer_input(form, principal)
        offer_id = act(web, assistance.create_offer, data=data).id
    except InvalidInput as exc:
        return _offer_form(web, principal, values, exc)
    if data.request_id is not None:
        done = "offered_pledged" if data.commit else "offered"
        return web.redirect(f"/assistance/requests/{data.request_id}?done={done}#commitments")
    return web.redirect(f"/assistance/offers/{offer_id}?done=offered")


@router.get("/assistance/offers/{offer_id}", response_class=HTMLResponse)
@page_errors
def offer_page(web: WebDep, offer_id: Id, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        offer = assistance.get_offer(session, actor=principal, offer_id=offer_id)
        commitments = list(
            paging.every(
                lambda cursor: assistance.list_commitments(
                    session, actor=principal, offer_id=offer_id, cursor=cursor, limit=200
                )
            )
        )
        abilities = assistance.offer_abilities(session, actor=principal, offer_id=offer_id)
        state_names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return web.render(
        "assistance/offer.html",
        {
            "offer": offer,
            "commitments": commitments,
            "abilities": abilities,
            "state_names": state_names,
            "done": done_message(web, done),
            **names(web),
        },
    )


@router.post("/assistance/offers/{offer_id}/withdraw", response_class=HTMLResponse)
@page_errors
@refusing(WITHDRAW_REFUSED)
def withdraw_offer(web: WebDep, form: FormDep, offer_id: Id) -> Response:
    reason = text(form, "reason") or None
    act(web, assistance.withdraw_offer, offer_id=offer_id, reason=reason)
    return web.redirect(f"/assistance/offers/{offer_id}?done=withdrawn")


@router.post("/assistance/commitments/{commitment_id}/status", response_class=HTMLResponse)
@page_errors
@refusing(STEP_REFUSED)
def change_status(web: WebDep, form: FormDep, commitment_id: Id) -> Response:
    """Move a commitment on; the page it came from (request or offer) shows the result."""
    principal = web.require()
    problems: list[FieldError] = []
    payload = {
        "status": text(form, "status"),
        "on": day(text(form, "on"), "on", problems),
        "note": text(form, "note") or None,
    }
    with read_session(web.sessions) as session:
        commitment = assistance.get_commitment(
            session, actor=principal, commitment_id=commitment_id
        )
        request_id = commitment.request_id
    back = _safe_back(text(form, "back"), f"/assistance/requests/{request_id}")
    try:
        data = validated(CommitmentStatusUpdate, payload, problems)
        act(web, assistance.change_status, commitment_id=commitment_id, data=data)
    except InvalidInput as exc:
        return error_page(web, exc, LABELS.get)
    return web.redirect(f"{back.split('#')[0].split('?')[0]}?done={data.status}#commitments")
