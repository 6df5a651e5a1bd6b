"""Consultation pages: the list, one consultation, a document's versions with their differences
and the positions of the states on the version put to decision.

The services decide what an account may see (members and the Secretariat every consultation,
observers those they take part in); a focal point records its own state's position here, the
Secretariat any participating member state's on its behalf.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.consultations.schemas import PositionCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.validation_messages import field_error
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.dashboard import translated

router = APIRouter(prefix="/consultations", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 25

STATUS_NAMES = {
    "requested": N_("Requested"),
    "declined": N_("Declined"),
    "open": N_("Open"),
    "draft": N_("Draft"),
    "under_decision": N_("Under decision"),
    "adopted": N_("Adopted"),
    "rejected": N_("Rejected"),
    "closed": N_("Closed"),
}
KIND_NAMES = {
    "joint_statement": N_("Joint statement"),
    "action_plan": N_("Action plan"),
    "protocol": N_("Protocol"),
}
POSITION_NAMES = {
    "support": N_("Support"),
    "abstain": N_("Abstain"),
    "object": N_("Object"),
}
CHANGE_NAMES = {
    "added": N_("Added"),
    "removed": N_("Removed"),
    "changed": N_("Changed"),
    "unchanged": N_("Unchanged"),
}
PROCEDURE_NAMES = {"consensus": N_("Consensus"), "silence": N_("Silence procedure")}


def _names(web: Web) -> dict[str, Any]:
    return {
        "status_names": translated(web, STATUS_NAMES),
        "kind_names": translated(web, KIND_NAMES),
        "position_names": translated(web, POSITION_NAMES),
        "change_names": translated(web, CHANGE_NAMES),
        "procedure_names": translated(web, PROCEDURE_NAMES),
    }


@router.get("", response_class=HTMLResponse)
@page_errors
def list_page(web: WebDep, cursor: str | None = None) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        page = consultations.list_(session, actor=principal, limit=PAGE, cursor=cursor or None)
        items = consultation_views.summaries(session, page.items)
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return web.render(
        "consultations/list.html",
        {"items": items, "next_cursor": page.next_cursor, "state_names": names, **_names(web)},
    )


@router.get("/{consultation_id}", response_class=HTMLResponse)
@page_errors
def consultation_page(web: WebDep, consultation_id: Id) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        row = consultations.get(session, actor=principal, consultation_id=consultation_id)
        consultation = consultation_views.consultation_read(session, row)
        record = [
            consultation_views.record_entry(e)
            for e in consultations.list_record(
                session, actor=principal, consultation_id=consultation_id
            )
        ]
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return web.render(
        "consultations/consultation.html",
        {"c": consultation, "record": record, "state_names": names, **_names(web)},
    )


def _document_context(web: Web, consultation_id: Id, document_id: Id) -> dict[str, Any]:
    principal = web.require()
    with read_session(web.sessions) as session:
        consultation = consultations.get(session, actor=principal, consultation_id=consultation_id)
        row = consultations.get_document(
            session, actor=principal, document_id=document_id, consultation_id=consultation_id
        )
        document = consultation_views.document_read(session, row)
        versions = consultation_views.versions(session, row)
        position_states = consultations.position_states(
            session, actor=principal, document_id=document_id
        )
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
    return {
        "consultation_id": consultation_id,
        "topic": consultation.topic,
        "document": document,
        "versions": list(reversed(versions)),
        "position_states": position_states,
        "state_names": names,
        "form": {},
        "errors": {},
        **_names(web),
    }


@router.get("/{consultation_id}/documents/{document_id}", response_class=HTMLResponse)
@page_errors
def document_page(web: WebDep, consultation_id: Id, document_id: Id) -> Response:
    return web.render(
        "consultations/document.html", _document_context(web, consultation_id, document_id)
    )


@router.post("/{consultation_id}/documents/{document_id}/position", response_class=HTMLResponse)
@page_errors
def record_position(web: WebDep, form: FormDep, consultation_id: Id, document_id: Id) -> Response:
    principal = web.require()
    values = {
        "state": text(form, "state"),
        "version": text(form, "version"),
        "position": text(form, "position"),
        "reasons": text(form, "reasons") or None,
    }
    try:
        try:
            data = PositionCreate.model_validate(values)
        except ValidationError as exc:
            raise InvalidInput(
                "check the highlighted fields",
                [field_error(e, value=e.get("input")) for e in exc.errors()],
            ) from exc
        with write_session(web.sessions) as session:
            consultations.get_document(
                session, actor=principal, document_id=document_id, consultation_id=consultation_id
            )
            consultations.record_position(
                session, actor=principal, document_id=document_id, data=data
            )
    except InvalidInput as exc:
        context = _document_context(web, consultation_id, document_id)
        context.update(
            {
                "form": values,
                "errors": web.field_errors(list(exc.errors)),
                "detail": web.detail(exc),
            }
        )
        return web.render("consultations/document.html", context, 422)
    return web.redirect(f"/consultations/{consultation_id}/documents/{document_id}#positions")
