"""The notification form and the names pages show: parsing the form into the service's input,
and the translated labels of statuses, risks, timeline entries and the Annex 2 questions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pycountry
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import annex2, risk
from epibridge.notifications.risk import Consequence, Likelihood
from epibridge.notifications.schemas import COUNT_FIELDS, Annex2Answers
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Role
from epibridge.web.context import Web, text
from epibridge.web.dashboard import RISK_NAMES, translated
from epibridge.web.form_input import pydantic_problems

STATUS_NAMES = {
    "draft": N_("Draft"),
    "notified": N_("Notified"),
    "updated": N_("Updated"),
    "closed": N_("Closed"),
    "discarded": N_("Discarded"),
}
VISIBILITY_NAMES = {
    "members": N_("Member states and the Secretariat"),
    "partners": N_("Also observers and partners"),
    "public": N_("Public"),
}
#: What the event page says after each action (``?done=``).
DONE_MESSAGES = {
    "acknowledged": N_("Receipt acknowledged."),
    "assessed": N_("Risk assessment recorded."),
    "updated": N_("Update notified."),
    "draft_saved": N_("Draft saved; it is still not notified."),
    "notified": N_("Notified to the member states."),
    "discarded": N_("Draft discarded; it will not be notified."),
    "commented": N_("Comment added."),
    "reminded": N_("Reminder sent to the states still to acknowledge:"),
    "verification_requested": N_("Verification requested."),
    "verification_answered": N_("Verification answered."),
    "closed": N_("The event is closed."),
    "determination": N_("WHO's determination recorded."),
    "timeliness": N_("Timeliness recorded."),
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
    "discarded": N_("Draft discarded"),
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
COUNT_NAMES = {
    "suspected_cases": N_("Suspected cases"),
    "probable_cases": N_("Probable cases"),
    "confirmed_cases": N_("Confirmed cases"),
    "deaths": N_("Deaths"),
}


def page_names(web: Web) -> dict[str, Any]:
    return {
        "visibility_names": translated(web, VISIBILITY_NAMES),
        "status_names": translated(web, STATUS_NAMES),
        "risk_names": translated(web, RISK_NAMES),
        "timeline_names": translated(web, TIMELINE_NAMES),
        "question_labels": translated(web, QUESTION_LABELS),
        "outcome_names": translated(web, OUTCOME_NAMES),
        "likelihood_names": {k: web.gettext(LIKELIHOOD_NAMES.get(k, k)) for k in Likelihood},
        "consequence_names": {k: web.gettext(CONSEQUENCE_NAMES.get(k, k)) for k in Consequence},
        "count_names": translated(web, COUNT_NAMES),
    }


def state_names(session: Any, lang: str) -> dict[str, str]:
    return members.state_names(session, on=utcnow().date(), lang=lang)


def day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def values_of(form: FormData) -> dict[str, str]:
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


def _given(values: dict[str, str], keys: Iterable[str]) -> dict[str, Any]:
    """The non-empty values among ``keys``, in their order."""
    return {key: values[key] for key in keys if values.get(key)}


def _create_fields(values: dict[str, str], payload: dict[str, Any]) -> None:
    """What only a new notification carries: state, required defaults, status and mode."""
    if values.get("state"):
        payload["state"] = values["state"]
    payload.setdefault("title", "")
    payload.setdefault("disease", "")
    payload.setdefault("onset_date", None)
    payload["status"] = "draft" if values.get("status") == "draft" else "notified"
    if values.get("mode") in ("exercise", "test"):
        payload["mode"] = values["mode"]


def payload_of(values: dict[str, str], *, create: bool) -> dict[str, Any]:
    """Turn the form's strings into the service's input model (empty means not given)."""
    payload: dict[str, Any] = _given(
        values,
        (
            "title",
            "disease",
            "event_type",
            "area_code",
            "description",
            "measures",
            "onset_date",
            "detection_date",
            *COUNT_FIELDS,
            "visibility",
        ),
    )
    if create:
        _create_fields(values, payload)
    elif values.get("reason"):
        payload["reason"] = values["reason"]
    answers = {k: {"yes": True, "no": False}.get(values.get(k, "")) for k in annex2.QUESTIONS}
    if any(values.get(k) for k in annex2.QUESTIONS):
        payload["annex2"] = Annex2Answers(**answers)
    return payload


def pydantic_errors(exc: ValidationError, lang: str = "en") -> dict[str, str]:
    """The first problem of each field, in ``lang``."""
    out: dict[str, str] = {}
    for problem in pydantic_problems(exc):
        out.setdefault(problem.field or "form", problem.message_in(lang))
    return out


def render_form(
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
            member_names = members.state_names(
                session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
            )
    return web.render(
        "notifications/form.html",
        {
            "member_names": member_names,
            "event": event,
            "draft": event is not None and event.status == EventStatus.DRAFT,
            "values": values,
            "errors": errors,
            "detail": detail,
            "questions": list(annex2.QUESTIONS),
            "window_hours": int(annex2.NOTIFICATION_WINDOW / timedelta(hours=1)),
            **page_names(web),
        },
        status,
    )


def area_name(code: str | None) -> str:
    """An ISO 3166-2 code with its subdivision's name (the standard's, as pycountry has it)."""
    if not code:
        return ""
    subdivision = pycountry.subdivisions.get(code=code)
    return f"{code} ({subdivision.name})" if subdivision is not None else code


def risk_matrix(web: Web, assessments: Iterable[Any]) -> list[dict[str, Any]]:
    """The WHO 5x5 matrix as rows to draw: each cell's level (``risk.MATRIX``) and who chose it.

    Rows run from almost certain down, columns from minimal consequence up, as in the manual.
    """
    chosen: dict[tuple[str, str], list[str]] = {}
    for a in assessments:
        chosen.setdefault((a.likelihood, a.consequence), []).append(a.assessor)
    return [
        {
            "likelihood": likelihood.value,
            "label": web.gettext(LIKELIHOOD_NAMES[likelihood.value]),
            "cells": [
                {
                    "consequence": consequence.value,
                    "level": risk.MATRIX[(likelihood, consequence)].value,
                    "assessors": chosen.get((likelihood.value, consequence.value), []),
                }
                for consequence in Consequence
            ],
        }
        for likelihood in Likelihood
    ]
