"""Notification pages: the list, one event with its timeline and actions, the create/update form.

Every action calls ``notifications.service`` in one write session; the rules (who may
acknowledge, Annex 2, risk levels) live there. The form's live Annex 2 outcome calls the
notifications API's ``GET /api/v1/notifications/annex2`` from ``static/annex2.js``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError, FieldError
from epibridge.inputs import Id
from epibridge.notifications import annex2
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import (
    AssessmentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.notifications.statuses import LIVE_STATUSES, EventStatus
from epibridge.security import Role
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.notification_forms import (
    COUNT_FIELDS,
    STATUS_NAMES,
    day,
    page_names,
    payload_of,
    pydantic_errors,
    render_form,
    state_names,
    values_of,
)

router = APIRouter(prefix="/notifications", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 25


@router.get("", response_class=HTMLResponse)
@page_errors
def list_page(
    web: WebDep,
    state: str = "",
    disease: str = "",
    status: str = "",
    q: str = "",
    onset_from: str = "",
    onset_to: str = "",
    exercise: str = "",
    overdue: str = "",
    after: str | None = None,
) -> Response:
    principal = web.require()
    now = utcnow()
    filters = {
        "state": state,
        "disease": disease,
        "status": status if status in STATUS_NAMES else "",
        "q": q,
        "onset_from": onset_from,
        "onset_to": onset_to,
        "exercise": exercise,
        "overdue": overdue,
    }
    with read_session(web.sessions) as session:
        page = notifications.list_events(
            session,
            actor=principal,
            limit=PAGE,
            cursor=after or None,
            state=state or None,
            disease=disease or None,
            status=filters["status"] or None,
            q=q or None,
            onset_from=day(onset_from),
            onset_to=day(onset_to),
            exercise={"yes": True, "no": False}.get(exercise),
            overdue=True if overdue == "yes" else None,
            now=now,
        )
        items = [notifications.to_summary(row, now) for row in page.items]
        names = state_names(session, web.lang)
    older = {k: v for k, v in filters.items() if v} | {"after": page.next_cursor}
    return web.render(
        "notifications/list.html",
        {
            "items": items,
            "filters": filters,
            "next_url": f"/notifications?{urlencode(older)}" if page.next_cursor else None,
            "state_names": names,
            **page_names(web),
        },
    )


@router.get("/new", response_class=HTMLResponse)
@page_errors
def new_page(web: WebDep) -> Response:
    web.require()
    return render_form(web, None, {}, {})


@router.post("/new", response_class=HTMLResponse)
@page_errors
def create(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = values_of(form)
    try:
        data = NotificationCreate(**payload_of(values, create=True))
        with write_session(web.sessions) as session:
            event = notifications.create(session, actor=principal, data=data)
            event_id = event.id
    except ValidationError as exc:
        return render_form(web, None, values, pydantic_errors(exc, web.lang), status=422)
    except DomainError as exc:
        if exc.status not in (409, 422, 400):
            raise
        return render_form(web, None, values, web.field_errors(exc.errors), 422, web.detail(exc))
    return web.redirect(f"/notifications/{event_id}")


@router.get("/{event_id}", response_class=HTMLResponse)
@page_errors
def event_page(web: WebDep, event_id: Id, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
        timeline = notifications.timeline(session, actor=principal, event_id=event_id)
        names = state_names(session, web.lang)
    pending = event.acknowledgements.pending
    messages = {
        "acknowledged": web.gettext("Receipt acknowledged."),
        "assessed": web.gettext("Risk assessment recorded."),
        "updated": web.gettext("Update notified."),
        "verification_requested": web.gettext("Verification requested."),
        "verification_answered": web.gettext("Verification answered."),
        "closed": web.gettext("The event is closed."),
    }
    own = principal.state == event.state or principal.role is Role.SECRETARIAT
    return web.render(
        "notifications/event.html",
        {
            "event": event,
            "timeline": list(reversed(timeline)),
            "state_names": names,
            "can_acknowledge": principal.state is not None
            and principal.state in pending
            and event.status != EventStatus.DRAFT,
            "can_update": own,
            "can_request_verification": event.status in LIVE_STATUSES
            and (principal.role is Role.SECRETARIAT or principal.state not in (None, event.state)),
            "open_verifications": [v for v in event.verifications if v.answered_at is None]
            if own
            else [],
            "done": messages.get(done),
            **page_names(web),
        },
    )


@router.post("/{event_id}/acknowledge")
@page_errors
def acknowledge(web: WebDep, form: FormDep, event_id: Id) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        notifications.acknowledge(session, actor=principal, event_id=event_id)
    return web.redirect(f"/notifications/{event_id}?done=acknowledged")


@router.post("/{event_id}/assess")
@page_errors
def assess(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    try:
        data = AssessmentCreate(
            likelihood=text(form, "likelihood"),  # type: ignore[arg-type]
            consequence=text(form, "consequence"),  # type: ignore[arg-type]
            rationale=text(form, "rationale"),
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in pydantic_errors(exc, web.lang).items()]
        return web.error(DomainError(web.gettext("The assessment is incomplete."), errors))
    with write_session(web.sessions) as session:
        notifications.assess(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=assessed")


@router.post("/{event_id}/close")
@page_errors
def close(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    try:
        data = NotificationClose(
            reason=text(form, "reason"),
            kind="withdrawn" if text(form, "kind") == "withdrawn" else "ended",
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in pydantic_errors(exc, web.lang).items()]
        return web.error(DomainError(web.gettext("Give the reason for closing."), errors))
    with write_session(web.sessions) as session:
        notifications.close(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=closed")


@router.post("/{event_id}/verifications")
@page_errors
def request_verification(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    try:
        data = VerificationCreate(question=text(form, "question"))
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in pydantic_errors(exc, web.lang).items()]
        return web.error(DomainError(web.gettext("Write the question."), errors))
    with write_session(web.sessions) as session:
        notifications.request_verification(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=verification_requested")


@router.post("/{event_id}/verifications/{verification_id}/answer")
@page_errors
def answer_verification(web: WebDep, form: FormDep, event_id: Id, verification_id: Id) -> Response:
    principal = web.require()
    try:
        data = VerificationAnswer(
            verified=text(form, "verified") == "yes", answer=text(form, "answer")
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in pydantic_errors(exc, web.lang).items()]
        return web.error(DomainError(web.gettext("Write the answer."), errors))
    with write_session(web.sessions) as session:
        notifications.answer_verification(
            session,
            actor=principal,
            event_id=event_id,
            verification_id=verification_id,
            data=data,
        )
    return web.redirect(f"/notifications/{event_id}?done=verification_answered")


@router.get("/{event_id}/update", response_class=HTMLResponse)
@page_errors
def update_page(web: WebDep, event_id: Id) -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
    values: dict[str, str] = {
        "title": event.title,
        "disease": event.disease,
        "onset_date": event.onset_date.isoformat(),
        "event_type": event.event_type,
        "area_code": event.area_code or "",
        "description": event.description or "",
        "measures": event.measures or "",
        "visibility": event.visibility,
        **{k: str(getattr(event.counts, k)) for k in COUNT_FIELDS},
    }
    if event.annex2 is not None:
        for key, answer in event.annex2.answers.items():
            values[key] = {True: "yes", False: "no"}.get(answer, "")  # type: ignore[arg-type]
    return render_form(web, event, values, {})


@router.post("/{event_id}/update", response_class=HTMLResponse)
@page_errors
def update(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    values = values_of(form)
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
    payload = payload_of(values, create=False)
    if event.annex2 is not None and "annex2" in payload:
        stored = {k: event.annex2.answers.get(k) for k in annex2.QUESTIONS}
        if payload["annex2"].model_dump(exclude={"assessed_at"}) == stored:
            del payload["annex2"]  # unchanged answers are not a new assessment
    try:
        data = NotificationUpdate(**payload)
        with write_session(web.sessions) as session:
            notifications.update(session, actor=principal, event_id=event_id, data=data)
    except ValidationError as exc:
        return render_form(web, event, values, pydantic_errors(exc, web.lang), status=422)
    except DomainError as exc:
        if exc.status not in (409, 422, 400):
            raise
        return render_form(web, event, values, web.field_errors(exc.errors), 422, web.detail(exc))
    return web.redirect(f"/notifications/{event_id}?done=updated")
