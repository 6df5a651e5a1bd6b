"""What people do on an event's page: each form posts here, one service call in one write
session, then back to the event with what was done (``?done=``).

The rules (who may notify a draft, acknowledge, remind, ask for verification) are the
service's: a refusal comes back as the service's 403, 404 or 409 and is shown as a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from epibridge.db import write_session
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
from epibridge.validation_messages import field_error
from epibridge.web.context import Web, get_web, page_errors, posted_form, text

#: Included by ``notification_pages.router`` (prefix ``/notifications``).
router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]


M = TypeVar("M", bound=BaseModel)


def _parsed(web: Web, model: type[M], detail: str, values: dict[str, Any]) -> M | Response:
    """The form as the service's input model, or the 422 page naming the fields."""
    try:
        return model(**values)
    except ValidationError as exc:
        errors = [field_error(e) for e in exc.errors()]
        return web.error(InvalidInput(detail, errors))


def _done(web: Web, event_id: int, done: str, call: Callable[..., Any], **kw: Any) -> Response:
    """Run one service call as the signed-in principal, then show the event again."""
    principal = web.require()
    with write_session(web.sessions) as session:
        call(session, actor=principal, event_id=event_id, **kw)
    return web.redirect(f"/notifications/{event_id}?done={done}")


@router.post("/{event_id}/notify")
@page_errors
def notify(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    return _done(web, event_id, "notified", notifications.notify)


@router.post("/{event_id}/discard")
@page_errors
def discard(web: WebDep, form: FormDep, event_id: Id) -> Response:
    web.require()
    data = _parsed(
        web,
        NotificationDiscard,
        N_("Give the reason for discarding the draft."),
        {"reason": text(form, "reason")},
    )
    if isinstance(data, Response):
        return data
    return _done(web, event_id, "discarded", notifications.discard, data=data)


@router.post("/{event_id}/acknowledge")
@page_errors
def acknowledge(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    return _done(web, event_id, "acknowledged", notifications.acknowledge)


@router.post("/{event_id}/remind")
@page_errors
def remind(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        states = notifications.remind(session, actor=principal, event_id=event_id)
    # The page names the states reminded (``to``: only codes it knows are shown).
    return web.redirect(f"/notifications/{event_id}?done=reminded&to={','.join(states)}")


@router.post("/{event_id}/comments")
@page_errors
def comment(web: WebDep, form: FormDep, event_id: Id) -> Response:
    web.require()
    data = _parsed(web, CommentCreate, N_("Write the comment."), {"body": text(form, "body")})
    if isinstance(data, Response):
        return data
    return _done(web, event_id, "commented", notifications.comment, data=data)


def _cell(form: FormData) -> dict[str, str]:
    """Likelihood and consequence, from the two selects the matrix sets."""
    return {"likelihood": text(form, "likelihood"), "consequence": text(form, "consequence")}


@router.post("/{event_id}/assess")
@page_errors
def assess(web: WebDep, form: FormDep, event_id: Id) -> Response:
    web.require()
    data = _parsed(
        web,
        AssessmentCreate,
        N_("The assessment is incomplete."),
        {**_cell(form), "rationale": text(form, "rationale")},
    )
    if isinstance(data, Response):
        return data
    return _done(web, event_id, "assessed", notifications.assess, data=data)


@router.post("/{event_id}/close")
@page_errors
def close(web: WebDep, form: FormDep, event_id: Id) -> Response:
    web.require()
    data = _parsed(
        web,
        NotificationClose,
        N_("Give the reason for closing."),
        {
            "reason": text(form, "reason"),
            "kind": "withdrawn" if text(form, "kind") == "withdrawn" else "ended",
        },
    )
    if isinstance(data, Response):
        return data
    return _done(web, event_id, "closed", notifications.close, data=data)


@router.post("/{event_id}/verifications")
@page_errors
def request_verification(web: WebDep, form: FormDep, event_id: Id) -> Response:
    web.require()
    data = _parsed(
        web, VerificationCreate, N_("Write the question."), {"question": text(form, "question")}
    )
    if isinstance(data, Response):
        return data
    return _done(
        web, event_id, "verification_requested", notifications.request_verification, data=data
    )


@router.post("/{event_id}/verifications/{verification_id}/answer")
@page_errors
def answer_verification(web: WebDep, form: FormDep, event_id: Id, verification_id: Id) -> Response:
    web.require()
    data = _parsed(
        web,
        VerificationAnswer,
        N_("Write the answer."),
        {"verified": text(form, "verified") == "yes", "answer": text(form, "answer")},
    )
    if isinstance(data, Response):
        return data
    return _done(
        web,
        event_id,
        "verification_answered",
        notifications.answer_verification,
        verification_id=verification_id,
        data=data,
    )
