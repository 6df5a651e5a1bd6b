"""Notification pages: the list, one event with its timeline and actions, the create/update form.

Every action calls ``notifications.service`` in one write session; the rules (who may
acknowledge, Annex 2, risk levels) live there. The form's live Annex 2 outcome calls the
notifications API's ``GET /api/v1/notifications/annex2`` from ``static/annex2.js``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError, FieldError
from epibridge.members import service as members
from epibridge.notifications import annex2
from epibridge.notifications import service as notifications
from epibridge.notifications.risk import Consequence, Likelihood
from epibridge.notifications.schemas import (
    Annex2Answers,
    AssessmentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.security import Role
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.dashboard import RISK_NAMES, _translated
from epibridge.web.i18n import N_

router = APIRouter(prefix="/notifications", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 25

STATUS_NAMES = {
    "draft": N_("Draft"),
    "notified": N_("Notified"),
    "updated": N_("Updated"),
    "closed": N_("Closed"),
}
TIMELINE_NAMES = {
    "draft_created": N_("Draft created"),
    "notified": N_("Notified"),
    "updated": N_("Update"),
    "closed": N_("Closed"),
    "annex2_assessed": N_("IHR Annex 2 assessment"),
    "verification_requested": N_("Verification requested"),
    "verification_answered": N_("Verification answered"),
    "assessed": N_("Risk assessed"),
    "acknowledged": N_("Acknowledged"),
    "comment": N_("Comment"),
}
QUESTION_LABELS = {
    "serious_impact": N_("Is the public health impact of the event serious?"),
    "unusual": N_("Is the event unusual or unexpected?"),
    "international_spread": N_("Is there a significant risk of international spread?"),
    "travel_trade_restrictions": N_(
        "Is there a significant risk of international travel or trade restrictions?"
    ),
}
OUTCOME_NAMES = {
    "notify": N_("Notify: the event must be notified within 24 hours of this assessment."),
    "not_notifiable": N_("Not notifiable at this stage; reassess when more is known."),
    "insufficient_information": N_("Not decided yet: the unanswered questions decide."),
}
LIKELIHOOD_NAMES = {
    "almost_certain": N_("Almost certain"),
    "highly_likely": N_("Highly likely"),
    "likely": N_("Likely"),
    "unlikely": N_("Unlikely"),
    "very_unlikely": N_("Very unlikely"),
}
CONSEQUENCE_NAMES = {
    "minimal": N_("Minimal"),
    "minor": N_("Minor"),
    "moderate": N_("Moderate"),
    "major": N_("Major"),
    "severe": N_("Severe"),
}
COUNT_FIELDS = ("suspected_cases", "probable_cases", "confirmed_cases", "deaths")
COUNT_NAMES = {
    "suspected_cases": N_("Suspected cases"),
    "probable_cases": N_("Probable cases"),
    "confirmed_cases": N_("Confirmed cases"),
    "deaths": N_("Deaths"),
}


def _names(web: Web) -> dict[str, Any]:
    return {
        "status_names": _translated(web, STATUS_NAMES),
        "risk_names": _translated(web, RISK_NAMES),
        "timeline_names": _translated(web, TIMELINE_NAMES),
        "question_labels": _translated(web, QUESTION_LABELS),
        "outcome_names": _translated(web, OUTCOME_NAMES),
        "likelihood_names": {k: web.gettext(LIKELIHOOD_NAMES.get(k, k)) for k in Likelihood},
        "consequence_names": {k: web.gettext(CONSEQUENCE_NAMES.get(k, k)) for k in Consequence},
        "count_names": _translated(web, COUNT_NAMES),
    }


def _state_names(session: Any, lang: str) -> dict[str, str]:
    return {
        item.state.iso3: item.state.name(lang)
        for item in members.list_states(session, on=utcnow().date())
    }


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
    after: int | None = None,
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
        rows, next_after = notifications.list_events(
            session,
            actor=principal,
            limit=PAGE,
            after=after,
            state=state or None,
            disease=disease or None,
            status=filters["status"] or None,
            q=q or None,
            onset_from=_date(onset_from),
            onset_to=_date(onset_to),
            exercise={"yes": True, "no": False}.get(exercise),
            overdue=True if overdue == "yes" else None,
            now=now,
        )
        items = [notifications.to_summary(row, now) for row in rows]
        names = _state_names(session, web.lang)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return web.render(
        "notifications/list.html",
        {
            "items": items,
            "filters": filters,
            "next_url": f"/notifications?{query}&after={next_after}" if next_after else None,
            "state_names": names,
            **_names(web),
        },
    )


@router.get("/new", response_class=HTMLResponse)
@page_errors
def new_page(web: WebDep) -> Response:
    web.require()
    return _form(web, None, {}, {})


@router.post("/new", response_class=HTMLResponse)
@page_errors
def create(web: WebDep, form: FormDep) -> Response:
    principal = web.require()
    values = _values(form)
    try:
        data = NotificationCreate(**_payload(values, create=True))
        with write_session(web.sessions) as session:
            event = notifications.create(session, actor=principal, data=data)
            event_id = event.id
    except ValidationError as exc:
        return _form(web, None, values, _pydantic_errors(exc), status=422)
    except DomainError as exc:
        if exc.status not in (409, 422, 400):
            raise
        return _form(web, None, values, {e.field: e.message for e in exc.errors}, 422, exc.detail)
    return web.redirect(f"/notifications/{event_id}")


@router.get("/{event_id}", response_class=HTMLResponse)
@page_errors
def event_page(web: WebDep, event_id: int, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
        timeline = notifications.timeline(session, actor=principal, event_id=event_id)
        names = _state_names(session, web.lang)
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
            and event.status != "draft",
            "can_update": own,
            "can_request_verification": event.status in ("notified", "updated")
            and (principal.role is Role.SECRETARIAT or principal.state not in (None, event.state)),
            "open_verifications": [v for v in event.verifications if v.answered_at is None]
            if own
            else [],
            "done": messages.get(done),
            **_names(web),
        },
    )


@router.post("/{event_id}/acknowledge")
@page_errors
def acknowledge(web: WebDep, form: FormDep, event_id: int) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        notifications.acknowledge(session, actor=principal, event_id=event_id)
    return web.redirect(f"/notifications/{event_id}?done=acknowledged")


@router.post("/{event_id}/assess")
@page_errors
def assess(web: WebDep, form: FormDep, event_id: int) -> Response:
    principal = web.require()
    try:
        data = AssessmentCreate(
            likelihood=text(form, "likelihood"),  # type: ignore[arg-type]
            consequence=text(form, "consequence"),  # type: ignore[arg-type]
            rationale=text(form, "rationale"),
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in _pydantic_errors(exc).items()]
        return web.error(DomainError(web.gettext("The assessment is incomplete."), errors))
    with write_session(web.sessions) as session:
        notifications.assess(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=assessed")


@router.post("/{event_id}/close")
@page_errors
def close(web: WebDep, form: FormDep, event_id: int) -> Response:
    principal = web.require()
    try:
        data = NotificationClose(
            reason=text(form, "reason"),
            kind="withdrawn" if text(form, "kind") == "withdrawn" else "ended",
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in _pydantic_errors(exc).items()]
        return web.error(DomainError(web.gettext("Give the reason for closing."), errors))
    with write_session(web.sessions) as session:
        notifications.close(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=closed")


@router.post("/{event_id}/verifications")
@page_errors
def request_verification(web: WebDep, form: FormDep, event_id: int) -> Response:
    principal = web.require()
    try:
        data = VerificationCreate(question=text(form, "question"))
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in _pydantic_errors(exc).items()]
        return web.error(DomainError(web.gettext("Write the question."), errors))
    with write_session(web.sessions) as session:
        notifications.request_verification(session, actor=principal, event_id=event_id, data=data)
    return web.redirect(f"/notifications/{event_id}?done=verification_requested")


@router.post("/{event_id}/verifications/{verification_id}/answer")
@page_errors
def answer_verification(
    web: WebDep, form: FormDep, event_id: int, verification_id: int
) -> Response:
    principal = web.require()
    try:
        data = VerificationAnswer(
            verified=text(form, "verified") == "yes", answer=text(form, "answer")
        )
    except ValidationError as exc:
        errors = [FieldError(k, v) for k, v in _pydantic_errors(exc).items()]
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
def update_page(web: WebDep, event_id: int) -> Response:
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
    return _form(web, event, values, {})


@router.post("/{event_id}/update", response_class=HTMLResponse)
@page_errors
def update(web: WebDep, form: FormDep, event_id: int) -> Response:
    principal = web.require()
    values = _values(form)
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
    payload = _payload(values, create=False)
    if event.annex2 is not None and "annex2" in payload:
        stored = {k: event.annex2.answers.get(k) for k in annex2.QUESTIONS}
        if payload["annex2"].model_dump(exclude={"assessed_at"}) == stored:
            del payload["annex2"]  # unchanged answers are not a new assessment
    try:
        data = NotificationUpdate(**payload)
        with write_session(web.sessions) as session:
            notifications.update(session, actor=principal, event_id=event_id, data=data)
    except ValidationError as exc:
        return _form(web, event, values, _pydantic_errors(exc), status=422)
    except DomainError as exc:
        if exc.status not in (409, 422, 400):
            raise
        return _form(web, event, values, {e.field: e.message for e in exc.errors}, 422, exc.detail)
    return web.redirect(f"/notifications/{event_id}?done=updated")


def _values(form: FormData) -> dict[str, str]:
    keys = (
        "title",
        "disease",
        "onset_date",
        "event_type",
        "area_code",
        "detection_date",
        "description",
        "measures",
        "visibility",
        "mode",
        "status",
        "reason",
        "state",
    )
    return {k: text(form, k) for k in (*keys, *COUNT_FIELDS, *annex2.QUESTIONS)}


def _payload(values: dict[str, str], *, create: bool) -> dict[str, Any]:
    """Turn the form's strings into the service's input model (empty means not given)."""
    payload: dict[str, Any] = {}
    for key in ("title", "disease", "event_type", "area_code", "description", "measures"):
        if values.get(key):
            payload[key] = values[key]
    for key in ("onset_date", "detection_date"):
        if values.get(key):
            payload[key] = values[key]
    for key in COUNT_FIELDS:
        if values.get(key):
            payload[key] = values[key]
    if values.get("visibility"):
        payload["visibility"] = values["visibility"]
    if create:
        if values.get("state"):
            payload["state"] = values["state"]
        payload.setdefault("title", "")
        payload.setdefault("disease", "")
        payload.setdefault("onset_date", None)
        payload["status"] = "draft" if values.get("status") == "draft" else "notified"
        if values.get("mode") in ("exercise", "test"):
            payload["mode"] = values["mode"]
    elif values.get("reason"):
        payload["reason"] = values["reason"]
    answers = {k: {"yes": True, "no": False}.get(values.get(k, "")) for k in annex2.QUESTIONS}
    if any(values.get(k) for k in annex2.QUESTIONS):
        payload["annex2"] = Annex2Answers(**answers)
    return payload


def _pydantic_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "form"
        out.setdefault(field, error["msg"])
    return out


def _form(
    web: Web,
    event: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    detail: str | None = None,
) -> Response:
    member_names: dict[str, str] = {}
    if event is None and web.principal is not None and web.principal.role is Role.SECRETARIAT:
        with read_session(web.sessions) as session:
            listed = members.list_states(session, on=utcnow().date(), status="member")
            member_names = {item.state.iso3: item.state.name(web.lang) for item in listed}
    return web.render(
        "notifications/form.html",
        {
            "member_names": member_names,
            "event": event,
            "values": values,
            "errors": errors,
            "detail": detail,
            "questions": list(annex2.QUESTIONS),
            "window_hours": int(annex2.NOTIFICATION_WINDOW / timedelta(hours=1)),
            **_names(web),
        },
        status,
    )
