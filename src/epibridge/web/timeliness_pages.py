"""7-1-7 timeliness in the browser: the section of an event's page (milestones, intervals,
targets, the forms that record them) and the scorecard page with its chart.

The rules (intervals, targets, who records) are ``timeliness.service``'s; this turns its read
models into HTML and posts forms to it, one write session each.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from epibridge import charts
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_, fmt_number
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.security import Principal
from epibridge.timeliness import service as timeliness
from epibridge.timeliness.labels import ACTION_NAMES, CATEGORY_NAMES
from epibridge.timeliness.schemas import (
    ActionRecord,
    FactorCreate,
    MilestonesUpdate,
    ScorecardRow,
    TimelinessRead,
)
from epibridge.timeliness.statuses import (
    ActionOutcome,
    EarlyAction,
    FactorKind,
    Interval,
)
from epibridge.web.context import Web, get_web, page_errors, parse_date, posted_form, text
from epibridge.web.form_input import pydantic_problems

router = APIRouter(include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]

INTERVAL_NAMES = {
    Interval.DETECT: N_("Detect (target 7 days)"),
    Interval.NOTIFY: N_("Notify (target 1 day)"),
    Interval.RESPOND: N_("Respond (target 7 days)"),
}
KIND_NAMES = {FactorKind.BOTTLENECK: N_("Bottleneck"), FactorKind.ENABLER: N_("Enabler")}
OUTCOME_NAMES = {
    ActionOutcome.COMPLETED: N_("Completed"),
    ActionOutcome.NOT_NEEDED: N_("Not needed"),
}
ORIGIN_NAMES = {
    "onset": N_("the onset date"),
    "recorded": N_("recorded"),
    "notification": N_("as notified"),
    "epibridge": N_("notified in epibridge"),
    "national": N_("notified to the national authority"),
    "actions": N_("last early response action"),
}
TIMELINE_NAMES = {
    "timeliness_set_milestones": N_("7-1-7 milestones recorded"),
    "timeliness_record_action": N_("Early response action recorded"),
    "timeliness_add_factor": N_("Bottleneck or enabler recorded"),
    "timeliness_remove_factor": N_("Bottleneck or enabler withdrawn"),
}
MISSED_NAMES = {
    "any": N_("Any target missed"),
    "detect": N_("Detection target missed"),
    "notify": N_("Notification target missed"),
    "respond": N_("Response target missed"),
}


def names(web: Web, table: dict[Any, str]) -> dict[str, str]:
    return {str(key): web.gettext(value) for key, value in table.items()}


def section(session: Any, web: Web, principal: Principal, event: Any) -> dict[str, Any]:
    """What the event page's timeliness section shows, and whether it offers the forms."""
    read = timeliness.to_read(timeliness.get(session, actor=principal, event_id=event.id))
    return {
        "read": read,
        "rows": _interval_rows(read),
        "may_record": timeliness.may_record(principal, event.state, event.status),
        "action_names": names(web, ACTION_NAMES),
        "category_names": names(web, CATEGORY_NAMES),
        "interval_names": names(web, INTERVAL_NAMES),
        "kind_names": names(web, KIND_NAMES),
        "outcome_names": names(web, OUTCOME_NAMES),
        "origin_names": names(web, ORIGIN_NAMES),
    }


def _interval_rows(read: TimelinessRead) -> list[dict[str, Any]]:
    met = read.targets_met.model_dump()
    days = {"detect": read.detect_days, "notify": read.notify_days, "respond": read.respond_days}
    return [{"interval": str(i), "days": days[str(i)], "met": met[str(i)]} for i in Interval]


def missed(
    session: Any, principal: Principal, target: str, cursor: str | None, criteria: dict[str, Any]
) -> Any:
    """The events list's page of events that missed ``target``, narrowed by the list's other
    filters (``criteria``, as ``notifications.list_events`` takes them)."""
    return timeliness.missed(
        session,
        actor=principal,
        target=target,
        limit=25,
        cursor=cursor or None,
        **criteria,
    )


def entries(session: Any, principal: Principal, event_id: int) -> list[Any]:
    """The timeliness entries of the event's timeline."""
    return timeliness.timeline(session, actor=principal, event_id=event_id)


def _parsed(web: Web, model: type[BaseModel], values: dict[str, Any]) -> BaseModel | Response:
    try:
        return model(**values)
    except ValidationError as exc:
        detail = N_("Check the 7-1-7 form: some fields are not valid.")
        return web.error(InvalidInput(detail, pydantic_problems(exc)))


def _date_field(form: FormData, name: str) -> str | None:
    """A date input's value (the model parses it and names the field it refuses); None when
    empty."""
    return text(form, name) or None


def _back(web: Web, event_id: int) -> Response:
    return web.redirect(f"/notifications/{event_id}?done=timeliness#timeliness")


@router.post("/notifications/{event_id}/timeliness/milestones")
@page_errors
def post_milestones(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    data = _parsed(
        web,
        MilestonesUpdate,
        {
            "emergence_date": _date_field(form, "emergence_date"),
            "emergence_source": text(form, "emergence_source") or None,
            "national_notification_date": _date_field(form, "national_notification_date"),
            "national_notification_source": text(form, "national_notification_source") or None,
        },
    )
    if isinstance(data, Response):
        return data
    with write_session(web.sessions) as session:
        timeliness.set_milestones(session, actor=principal, event_id=event_id, data=data)  # type: ignore[arg-type]
    return _back(web, event_id)


@router.post("/notifications/{event_id}/timeliness/actions")
@page_errors
def post_action(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    raw_action = text(form, "action")
    if raw_action not in {a.value for a in EarlyAction}:
        return web.error(
            InvalidInput(
                N_("Check the 7-1-7 form: some fields are not valid."),
                [FieldError("action", N_("choose one of the seven early response actions"))],
            )
        )
    data = _parsed(
        web,
        ActionRecord,
        {
            "outcome": text(form, "outcome"),
            "completed_on": _date_field(form, "completed_on"),
            "note": text(form, "note") or None,
        },
    )
    if isinstance(data, Response):
        return data
    with write_session(web.sessions) as session:
        timeliness.record_action(
            session,
            actor=principal,
            event_id=event_id,
            action=EarlyAction(raw_action),
            data=data,  # type: ignore[arg-type]
        )
    return _back(web, event_id)


@router.post("/notifications/{event_id}/timeliness/factors")
@page_errors
def post_factor(web: WebDep, form: FormDep, event_id: Id) -> Response:
    principal = web.require()
    data = _parsed(
        web,
        FactorCreate,
        {
            "kind": text(form, "kind"),
            "stage": text(form, "stage"),
            "category": text(form, "category"),
            "description": text(form, "description"),
        },
    )
    if isinstance(data, Response):
        return data
    with write_session(web.sessions) as session:
        timeliness.add_factor(session, actor=principal, event_id=event_id, data=data)  # type: ignore[arg-type]
    return _back(web, event_id)


@router.post("/notifications/{event_id}/timeliness/factors/{factor_id}/withdraw")
@page_errors
def post_withdraw_factor(web: WebDep, form: FormDep, event_id: Id, factor_id: Id) -> Response:
    """Withdraw one bottleneck or enabler (a form per recorded one; the service says who may)."""
    principal = web.require()
    with write_session(web.sessions) as session:
        timeliness.remove_factor(session, actor=principal, event_id=event_id, factor_id=factor_id)
    return _back(web, event_id)


def _percent(value: float | None, lang: str) -> str:
    return "–" if value is None else fmt_number(round(100 * value), lang) + " %"


def _chart(web: Web, rows: list[ScorecardRow]) -> str | None:
    """The region's shares per period as lines (one per target, and all three)."""
    region = [r for r in rows if r.state is None]
    if len(region) < 2:  # a line needs two points
        return None
    words = {
        "detect": web.gettext("Detect"),
        "notify": web.gettext("Notify"),
        "respond": web.gettext("Respond"),
        "all": web.gettext("All three"),
    }
    curves = [
        charts.Curve(
            label=label,
            points=[
                (
                    r.period_start,
                    None if getattr(r.card, key) is None else 100 * getattr(r.card, key),
                )
                for r in region
            ],
        )
        for key, label in words.items()
    ]
    by_start = {r.period_start: r.period for r in region}
    return charts.svg(
        curves,
        title=web.gettext("Share of events meeting each 7-1-7 target, region"),
        fmt_number=lambda v: fmt_number(v, web.lang, 0),
        fmt_date=lambda d: by_start.get(d, d.isoformat()),
        labels=charts.Labels(x=web.gettext("Period"), y=web.gettext("Per cent of events")),
    )


@router.get("/timeliness", response_class=HTMLResponse)
@page_errors
def scorecard_page(
    web: WebDep, state: str = "", start: str = "", end: str = "", by: str = "quarter"
) -> Response:
    principal = web.require()
    period = by if by in timeliness.PERIODS else "quarter"
    first, last = parse_date(start), parse_date(end)
    now = utcnow()
    with read_session(web.sessions) as session:
        card = timeliness.scorecard(
            session, actor=principal, state=state or None, start=first, end=last, now=now
        )
        rows = timeliness.table(
            session,
            actor=principal,
            state=state or None,
            start=first,
            end=last,
            period=period,
            now=now,
        )
        state_names = members.state_names(session, on=now.date(), lang=web.lang)
    query = {"state": state, "from": start, "to": end, "period": period}
    return web.render(
        "timeliness/scorecard.html",
        {
            "card": card,
            "rows": rows,
            "chart": _chart(web, rows),
            "filters": {"state": state, "start": start, "end": end, "by": period},
            "state_names": state_names,
            "percent": lambda v: _percent(v, web.lang),
            "csv_url": "/api/v1/timeliness/scorecard.csv?"
            + urlencode({k: v for k, v in query.items() if v}),
            "category_names": names(web, CATEGORY_NAMES),
            "interval_names": names(web, INTERVAL_NAMES),
        },
    )
