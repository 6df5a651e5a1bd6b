"""What people do on an event's page: each form posts here, one service call in one write
session, then back to the event with what was done (``?done=``).

The rules (who may notify a draft, acknowledge, remind, ask for verification) are the
service's: a refusal comes back as the service's 403, 404 or 409 and is shown as a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from epibridge.errors import InvalidInput
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import (
    AssessmentCreate,
    CommentCreate,
    NotificationClose,
    NotificationDiscard,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.form_input import act, pydantic_problems

#: Included by ``notification_pages.router`` (prefix ``/notifications``).
router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]


class _Input(NamedTuple):
    """A form's fields for the service's input ``model``; ``detail`` says what a refusal lacks."""

    model: type[BaseModel]
    detail: str
    values: dict[str, Any]

    def parsed(self) -> BaseModel:
        """The model; refused (the 422 page, by ``page_errors``) naming each wrong field."""
        try:
            return self.model.model_validate(self.values)
        except ValidationError as exc:
            raise InvalidInput(self.detail, pydantic_problems(exc)) from exc


def _done(
    web: Web,
    event_id: int,
    done: str,
    call: Callable[..., Any],
    form: _Input | None = None,
    **arguments: Any,
) -> Response:
    """Run one service call as the signed-in principal, with the form's input as ``data``
    when it has one, then show the event again saying what was done."""
    web.require()  # a visitor signs in before a form is judged
    if form is not None:
        arguments["data"] = form.parsed()
    act(web, call, event_id=event_id, **arguments)
    return web.redirect(f"/notifications/{event_id}?done={done}")


@router.post("/{event_id}/notify")
@page_errors
def notify(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    return _done(web, event_id, "notified", notifications.notify)


@router.post("/{event_id}/discard")
@page_errors
def discard(web: WebDep, form: FormDep, event_id: Id) -> Response:
    why = N_("Give the reason for discarding the draft.")
    discarding = _Input(NotificationDiscard, why, {"reason": text(form, "reason")})
    return _done(web, event_id, "discarded", notifications.discard, discarding)


@router.post("/{event_id}/acknowledge")
@page_errors
def acknowledge(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    return _done(web, event_id, "acknowledged", notifications.acknowledge)


@router.post("/{event_id}/remind")
@page_errors
def remind(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    states = act(web, notifications.remind, event_id=event_id)
    # The page names the states reminded (``to``: only codes it knows are shown).
    return web.redirect(f"/notifications/{event_id}?done=reminded&to={','.join(states)}")


@router.post("/{event_id}/comments")
@page_errors
def comment(web: WebDep, form: FormDep, event_id: Id) -> Response:
    body = _Input(CommentCreate, N_("Write the comment."), {"body": text(form, "body")})
    return _done(web, event_id, "commented", notifications.comment, body)


def _cell(form: FormData) -> dict[str, str]:
    """Likelihood and consequence, from the two selects the matrix sets."""
    return {"likelihood": text(form, "likelihood"), "consequence": text(form, "consequence")}


@router.post("/{event_id}/assess")
@page_errors
def assess(web: WebDep, form: FormDep, event_id: Id) -> Response:
    values = {**_cell(form), "rationale": text(form, "rationale")}
    assessment = _Input(AssessmentCreate, N_("The assessment is incomplete."), values)
    return _done(web, event_id, "assessed", notifications.assess, assessment)


@router.post("/{event_id}/close")
@page_errors
def close(web: WebDep, form: FormDep, event_id: Id) -> Response:
    values = {
        "reason": text(form, "reason"),
        "kind": "withdrawn" if text(form, "kind") == "withdrawn" else "ended",
    }
    closing = _Input(NotificationClose, N_("Give the reason for closing."), values)
    return _done(web, event_id, "closed", notifications.close, closing)


@router.post("/{event_id}/verifications")
@page_errors
def request_verification(web: WebDep, form: FormDep, event_id: Id) -> Response:
    question = {"question": text(form, "question")}
    asking = _Input(VerificationCreate, N_("Write the question."), question)
    requesting = notifications.request_verification
    return _done(web, event_id, "verification_requested", requesting, asking)


@router.post("/{event_id}/verifications/{verification_id}/answer")
@page_errors
def answer_verification(web: WebDep, form: FormDep, event_id: Id, verification_id: Id) -> Response:
    values = {"verified": text(form, "verified") == "yes", "answer": text(form, "answer")}
    answer = _Input(VerificationAnswer, N_("Write the answer."), values)
    return _done(
        web,
        event_id,
        "verification_answered",
        notifications.answer_verification,
        answer,
        verification_id=verification_id,
    )
