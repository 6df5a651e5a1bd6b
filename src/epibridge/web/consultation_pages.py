"""Consultation pages: the list, convening, one consultation with its documents, and starting a
draft. A document's own page (versions, amendments, decision, positions, signatures) is in
``consultation_documents``, whose routes this router carries.

The services decide what an account may see (members and the Secretariat every consultation,
observers those they take part in) and what it may do: a form is shown when the service's
``can_convene``/``can_draft``/``document_abilities`` says the write would be accepted.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, DomainError, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.members.statuses import OBSERVING, MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.security import Principal
from epibridge.web import consultation_documents
from epibridge.web.consultation_forms import (
    close_input,
    control_of,
    convene_input,
    document_input,
    form_values,
    label_of,
    names,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form
from epibridge.web.form_input import refusing, shown

router = APIRouter(prefix="/consultations", include_in_schema=False)
router.include_router(consultation_documents.router)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 25
EVENT_CHOICES = 30

CONVENE_REFUSED = N_(
    "Only the focal point of the state chairing the organization, or the Secretariat, convenes "
    "a consultation."
)
DRAFT_REFUSED = N_(
    "Only the convenor of this consultation (the chair's focal point or the Secretariat) starts "
    "a draft."
)
CLOSE_REFUSED = N_(
    "Only the convenor of this consultation (the chair's focal point or the Secretariat) closes it."
)
DONE = {
    "convened": N_("The consultation is convened; the participating states are told."),
    "closed": N_("The consultation is closed; the participating states are told."),
}


def _today_names(session: Any, lang: str, status: MembershipStatus | None = None) -> dict[str, str]:
    return members.state_names(session, on=utcnow().date(), lang=lang, status=status)


@router.get("", response_class=HTMLResponse)
@page_errors
def list_page(web: WebDep, cursor: str | None = None) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        page = consultations.list_(session, actor=principal, limit=PAGE, cursor=cursor or None)
        items = consultation_views.summaries(session, page.items)
        state_names = _today_names(session, web.lang)
        may_convene = consultations.can_convene(session, actor=principal)
    return web.render(
        "consultations/list.html",
        {
            "items": items,
            "next_cursor": page.next_cursor,
            "state_names": state_names,
            "may_convene": may_convene,
            **names(web),
        },
    )


def _convene_form(
    web: Web, principal: Principal, values: dict[str, Any], problems: DomainError | None = None
) -> Response:
    with read_session(web.sessions) as session:
        member_names = _today_names(session, web.lang, MembershipStatus.MEMBER)
        observing = {
            code: name
            for status in sorted(OBSERVING)
            for code, name in _today_names(session, web.lang, status).items()
        }
        events = notifications.list_events(session, actor=principal, limit=EVENT_CHOICES).items
    context: dict[str, Any] = {
        "values": values,
        "member_names": member_names,
        "observer_names": observing,
        "events": events,
        "errors": {},
        "listed": [],
        "detail": None,
        **names(web),
    }
    if problems is not None:
        found = shown(web, problems, label_of, lambda n: n.split("[")[0].split(".")[0])
        context.update(errors=found.by_field, listed=found.listed, detail=found.detail)
    return web.render("consultations/convene.html", context, 200 if problems is None else 422)


@router.get("/new", response_class=HTMLResponse)
@page_errors
def convene_page(web: WebDep) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        member_names = _today_names(session, web.lang, MembershipStatus.MEMBER)
        may_convene = consultations.can_convene(session, actor=principal)
    if not may_convene:
        detail = web.gettext(CONVENE_REFUSED)
        return web.render("error.html", {"status": 403, "detail": detail, "errors": []}, 403)
    return _convene_form(web, principal, {"participants": sorted(member_names)})


@router.post("/new", response_class=HTMLResponse)
@page_errors
@refusing(CONVENE_REFUSED)
def convene(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = form_values(form)
    try:
        data = convene_input(form)
        with write_session(web.sessions) as session:
            consultation = consultations.convene(session, actor=principal, data=data)
            consultation_id = consultation.id
    except InvalidInput as exc:
        return _convene_form(web, principal, values, exc)
    return web.redirect(f"/consultations/{consultation_id}?done=convened")


def _consultation_context(web: Web, principal: Principal, consultation_id: int) -> dict[str, Any]:
    with read_session(web.sessions) as session:
        row = consultations.get(session, actor=principal, consultation_id=consultation_id)
        consultation = consultation_views.consultation_read(session, row)
        record = [
            consultation_views.record_entry(e)
            for e in consultations.list_record(
                session, actor=principal, consultation_id=consultation_id
            )
        ]
        events = {}
        for event_id in consultation.event_ids:
            try:
                events[event_id] = notifications.get(session, actor=principal, event_id=event_id)
            except DomainError:
                continue
        may_draft = consultations.can_draft(
            session, actor=principal, consultation_id=consultation_id
        )
        outcomes = consultations.closing_outcomes(
            session, actor=principal, consultation_id=consultation_id
        )
        state_names = _today_names(session, web.lang)
    return {
        "closing_outcomes": [str(o) for o in outcomes],
        "c": consultation,
        "record": record,
        "events": events,
        "may_draft": may_draft,
        "state_names": state_names,
        "values": {},
        "errors": {},
        "listed": [],
        "detail": None,
        "problem_at": None,
        **names(web),
    }


@router.get("/{consultation_id}", response_class=HTMLResponse)
@page_errors
def consultation_page(web: WebDep, consultation_id: Id, done: str = "") -> Response:
    principal = web.require()
    context = _consultation_context(web, principal, consultation_id)
    context["done"] = web.gettext(DONE[done]) if done in DONE else None
    return web.render("consultations/consultation.html", context)


@router.post("/{consultation_id}/documents", response_class=HTMLResponse)
@page_errors
@refusing(DRAFT_REFUSED)
def create_document(web: WebDep, form: FormDep, consultation_id: Id) -> Response:
    principal = web.require()
    values = form_values(form)
    try:
        data = document_input(form)
        with write_session(web.sessions) as session:
            document = consultations.create_document(
                session, actor=principal, consultation_id=consultation_id, data=data
            )
            document_id = document.id
    except InvalidInput as exc:
        context = _consultation_context(web, principal, consultation_id)
        found = shown(web, exc, label_of, control_of)
        context.update(values=values, errors=found.by_field, listed=found.listed)
        context.update(detail=found.detail, problem_at="draft")
        return web.render("consultations/consultation.html", context, 422)
    return web.redirect(f"/consultations/{consultation_id}/documents/{document_id}?done=drafted")


@router.post("/{consultation_id}/close", response_class=HTMLResponse)
@page_errors
@refusing(CLOSE_REFUSED)
def close(web: WebDep, form: FormDep, consultation_id: Id) -> Response:
    principal = web.require()
    values = form_values(form)
    try:
        data = close_input(form)
        with write_session(web.sessions) as session:
            consultations.close_consultation(
                session, actor=principal, consultation_id=consultation_id, data=data
            )
    except (InvalidInput, Conflict) as exc:
        # A missing reason, or a state that refuses closing now (a decision round opened
        # meanwhile): shown beside the closing form.
        context = _consultation_context(web, principal, consultation_id)
        found = shown(web, exc, label_of)
        context.update(values=values, errors=found.by_field, listed=found.listed)
        context.update(detail=found.detail, problem_at="close")
        return web.render("consultations/consultation.html", context, exc.status)
    return web.redirect(f"/consultations/{consultation_id}?done=closed")
