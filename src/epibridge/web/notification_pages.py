"""Notification pages: the list, one event with its timeline and actions, the create/update form.

The actions posted from an event's page are in ``notification_actions`` (included here); each
calls ``notifications.service`` in one write session, and the buttons shown are the ones
``notifications.service.actions`` allows. The rules (who may acknowledge, Annex 2, risk
levels) live there. The form's live Annex 2 outcome calls the
notifications API's ``GET /api/v1/notifications/annex2`` from ``static/annex2.js``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.errors import DomainError
from epibridge.inputs import Id
from epibridge.notifications import annex2
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate, NotificationUpdate
from epibridge.notifications.statuses import EventStatus, WhoDetermination
from epibridge.security import PermissionDenied, Principal
from epibridge.web import notification_actions, timeliness_pages
from epibridge.web.context import Web, get_web, page_errors, posted_form
from epibridge.web.data_pages import DETECTION_METHODS
from epibridge.web.notification_forms import (
    COUNT_FIELDS,
    DONE_MESSAGES,
    STATUS_NAMES,
    area_name,
    day,
    page_names,
    payload_of,
    pydantic_errors,
    render_form,
    risk_matrix,
    state_names,
    values_of,
)

router = APIRouter(prefix="/notifications", include_in_schema=False)
router.include_router(notification_actions.router)
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
    who_determination: str = "",
    missed: str = "",
    after: str | None = None,
) -> Response:
    principal = web.require()
    now = utcnow()
    missed = missed if missed in timeliness_pages.MISSED_NAMES else ""
    filters = {
        "state": state,
        "disease": disease,
        "status": status if status in STATUS_NAMES else "",
        "q": q,
        "onset_from": onset_from,
        "onset_to": onset_to,
        "exercise": exercise,
        "overdue": overdue,
        "who_determination": who_determination
        if who_determination in {w.value for w in WhoDetermination}
        else "",
        "missed": missed,
    }
    criteria = {
        "state": state or None,
        "disease": disease or None,
        "status": filters["status"] or None,
        "q": q or None,
        "onset_from": day(onset_from),
        "onset_to": day(onset_to),
        "exercise": {"yes": True, "no": False}.get(exercise),
        "overdue": True if overdue == "yes" else None,
        "who_determination": WhoDetermination(filters["who_determination"])
        if filters["who_determination"]
        else None,
        "now": now,
    }
    with read_session(web.sessions) as session:
        if missed:
            page = timeliness_pages.missed(session, principal, missed, after, criteria)
        else:
            page = notifications.list_events(
                session, actor=principal, limit=PAGE, cursor=after or None, **criteria
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
            "missed_names": timeliness_pages.names(web, timeliness_pages.MISSED_NAMES),
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
def event_page(web: WebDep, event_id: Id, done: str = "", to: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        event = notifications.get(session, actor=principal, event_id=event_id)
        timeline = notifications.timeline(session, actor=principal, event_id=event_id)
        timeline += timeliness_pages.entries(session, principal, event_id)
        timeline.sort(key=lambda entry: entry.at)
        names = state_names(session, web.lang)
        signals = _signals_of(session, principal, event_id)
        progress = timeliness_pages.section(session, web, principal, event)
    allowed = notifications.actions(principal, event)
    return web.render(
        "notifications/event.html",
        {
            "event": event,
            "timeline": list(reversed(timeline)),
            "comments": [t for t in timeline if t.kind == "comment"],
            "state_names": names,
            "allowed": allowed,
            "area_name": area_name(event.area_code),
            "matrix": risk_matrix(web, event.risk.assessments),
            "open_verifications": [v for v in event.verifications if v.answered_at is None]
            if "answer_verification" in allowed
            else [],
            "signals": signals,
            "method_names": DETECTION_METHODS,
            "done": web.gettext(DONE_MESSAGES[done]) if done in DONE_MESSAGES else None,
            "reminded": ", ".join(names[s] for s in to.split(",") if s in names),
            **page_names(web),
            "timeline_names": {
                **page_names(web)["timeline_names"],
                **timeliness_pages.names(web, timeliness_pages.TIMELINE_NAMES),
            },
            "timeliness": progress if event.status != EventStatus.DISCARDED else None,
        },
    )


def _signals_of(session: Any, principal: Principal, event_id: int) -> list[Any]:
    """The detection signals the event's draft was opened for (none when typed by hand).

    Signals are the members' business: a reader the detection service refuses (an observer
    reading a partners' event) sees the event without them.
    """
    try:
        page = detection.list_signals(
            session, principal=principal, notification_id=event_id, limit=PAGE
        )
    except PermissionDenied:
        return []
    return list(page.items)


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
        # A count not reported stays empty: the form never turns it into a 0.
        **{
            k: "" if getattr(event.counts, k) is None else str(getattr(event.counts, k))
            for k in COUNT_FIELDS
        },
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
    done = "draft_saved" if event.status == EventStatus.DRAFT else "updated"
    return web.redirect(f"/notifications/{event_id}?done={done}")
