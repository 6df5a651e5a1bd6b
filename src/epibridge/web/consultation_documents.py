"""A consultation document's page and what is done on it: new versions (incorporating
amendments), amendments, the decision round, positions, closing the decision (adoption or
rejection, by the organization's rule), and signatures.

Which forms the page shows is the service's answer (``document_abilities``; positions through
``position_states``, i.e. ``can_record_position``); every write calls
``consultations.service``, through one handler (``_act``) registered for each form of
``FORMS``. ``consultation_pages`` carries this router (under /consultations).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.consultations.schemas import SignatureCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import Principal
from epibridge.web.consultation_forms import (
    amendment_input,
    control_of,
    decision_input,
    form_values,
    label_of,
    names,
    position_input,
    version_input,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import refusing, shown, validated

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
#: How far ahead the decision form proposes its deadline.
DEFAULT_ROUND = timedelta(days=7)

DONE = {
    "drafted": N_("The draft is started as version 1."),
    "version": N_("The new version is recorded; an open decision on the old one is withdrawn."),
    "amendment": N_("The amendment is proposed to the convenor."),
    "decision": N_("The version is put to decision; the deciding states are told."),
    "position": N_("The position is recorded."),
    "closed": N_("The decision is closed."),
    "signed": N_("The signature is recorded."),
}
#: Where the page shows what each form did.
ANCHORS = {
    "position": "positions",
    "closed": "positions",
    "decision": "positions",
    "signed": "signatures",
    "version": "versions",
    "amendment": "amendments",
}
CONVENOR_ONLY = N_(
    "Only the convenor of this consultation (the chair's focal point or the Secretariat) does this."
)
STATE_ONLY = N_(
    "A focal point speaks for its own state only; the Secretariat may record a member state's "
    "position or amendment on its behalf."
)
SIGN_REFUSED = N_(
    "A document is signed for a state by that state's own focal point; the Secretariat does "
    "not sign for a state."
)


def _base(consultation_id: int, document_id: int) -> str:
    return f"/consultations/{consultation_id}/documents/{document_id}"


def document_context(
    web: Web, principal: Principal, consultation_id: int, document_id: int
) -> dict[str, Any]:
    now = utcnow()
    with read_session(web.sessions) as session:
        consultation = consultations.get(session, actor=principal, consultation_id=consultation_id)
        row = consultations.get_document(
            session, actor=principal, document_id=document_id, consultation_id=consultation_id
        )
        document = consultation_views.document_read(session, row)
        versions = consultation_views.versions(session, row)
        amendments = [
            consultation_views.amendment_read(a)
            for a in consultations.list_amendments(session, document_id=document_id)
        ]
        can = consultations.document_abilities(
            session, actor=principal, document_id=document_id, now=now
        )
        state_names = members.state_names(session, on=now.date(), lang=web.lang)
    current = versions[-1] if versions else None
    values: dict[str, Any] = {
        "deadline": (now + DEFAULT_ROUND).strftime("%Y-%m-%dT%H:%M"),
        **{f"text_{lang}": t for lang, t in (current.texts if current else {}).items()},
    }
    return {
        "consultation_id": consultation_id,
        "topic": consultation.topic,
        "consultation_closed": consultation.closed_at,
        "document": document,
        "versions": list(reversed(versions)),
        "amendments": amendments,
        "can": can,
        "position_states": can.position_states,
        "state_names": state_names,
        "values": values,
        "form": {},
        "errors": {},
        "listed": [],
        "detail": None,
        "problem_at": None,
        **names(web),
    }


@router.get("/{consultation_id}/documents/{document_id}", response_class=HTMLResponse)
@page_errors
def document_page(web: WebDep, consultation_id: Id, document_id: Id, done: str = "") -> Response:
    principal = web.require()
    context = document_context(web, principal, consultation_id, document_id)
    context["done"] = web.gettext(DONE[done]) if done in DONE else None
    return web.render("consultations/document.html", context)


def _act(
    web: Web,
    form: FormData,
    consultation_id: int,
    document_id: int,
    *,
    where: str,
    write: Callable[[Session, Principal], object],
) -> Response:
    """Run one write; on a refusal of its input show the page again, the form ``where``
    marked, with what was typed."""
    principal = web.require()
    try:
        with write_session(web.sessions) as session:
            consultations.get_document(
                session, actor=principal, document_id=document_id, consultation_id=consultation_id
            )
            write(session, principal)
    except (InvalidInput, Conflict) as exc:
        # Bad input, or a step the document's state refuses now (a superseded version, a
        # decision still open): shown on the page, beside the form it came from.
        context = document_context(web, principal, consultation_id, document_id)
        found = shown(web, exc, label_of, control_of)
        values = form_values(form)
        context.update(
            values=context["values"] | values,
            form=values,
            errors=found.by_field,
            listed=found.listed,
            detail=found.detail,
            problem_at=where,
        )
        return web.render("consultations/document.html", context, exc.status)
    return web.redirect(f"{_base(consultation_id, document_id)}?done={where}#{ANCHORS[where]}")


#: A service write made from a submitted form, for one document.
Write = Callable[[Session, Principal], object]


def _signature(form: FormData, document_id: int) -> Write:
    data = validated(SignatureCreate, {"state": text(form, "state")}, [])
    return lambda s, p: consultations.sign(s, actor=p, document_id=document_id, data=data)


#: The page's forms: the path each posts to (under the document), the ``DONE`` key it reports
#: with, who may send it (said on a refusal), and the write it makes. One handler serves all.
FORMS: list[tuple[str, str, str, Callable[[FormData, int], Write]]] = [
    (
        "position",
        "position",
        STATE_ONLY,
        lambda form, doc: (
            lambda s, p: consultations.record_position(
                s, actor=p, document_id=doc, data=position_input(form)
            )
        ),
    ),
    (
        "versions",
        "version",
        CONVENOR_ONLY,
        lambda form, doc: (
            lambda s, p: consultations.create_version(
                s, actor=p, document_id=doc, data=version_input(form)
            )
        ),
    ),
    (
        "amendments",
        "amendment",
        STATE_ONLY,
        lambda form, doc: (
            lambda s, p: consultations.propose_amendment(
                s, actor=p, document_id=doc, data=amendment_input(form)
            )
        ),
    ),
    (
        "decision",
        "decision",
        CONVENOR_ONLY,
        lambda form, doc: (
            lambda s, p: consultations.put_to_decision(
                s, actor=p, document_id=doc, data=decision_input(form)
            )
        ),
    ),
    (
        "decision/close",
        "closed",
        CONVENOR_ONLY,
        lambda form, doc: lambda s, p: consultations.close_decision(s, actor=p, document_id=doc),
    ),
    ("sign", "signed", SIGN_REFUSED, _signature),
]


def _form_route(
    path: str, where: str, refusal: str, write: Callable[[FormData, int], Write]
) -> None:
    def handler(web: WebDep, form: FormDep, consultation_id: Id, document_id: Id) -> Response:
        return _act(
            web,
            form,
            consultation_id,
            document_id,
            where=where,
            write=lambda s, p: write(form, document_id)(s, p),
        )

    handler.__name__ = handler.__qualname__ = f"document_{where}"
    router.post(
        f"/{{consultation_id}}/documents/{{document_id}}/{path}", response_class=HTMLResponse
    )(page_errors(refusing(refusal)(handler)))


for _path, _where, _refusal, _write in FORMS:
    _form_route(_path, _where, _refusal, _write)
