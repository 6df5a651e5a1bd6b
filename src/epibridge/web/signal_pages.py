"""Detection signals in the browser: the list, one signal with its series, confirm and dismiss.

Everything is the detection service's: the list and its pages (``list_signals``, one keyset
``paging.Page``), the series' thresholds as the run computed them (``series_thresholds``, the
figures the curve page draws, drawn here with ``charts.svg``), and the owning state's decision
(``confirm`` notifies the signal's draft, ``dismiss`` records why not). The buttons shown are
the ones ``detection.service.decisions`` allows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge import charts, i18n
from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalDismiss
from epibridge.detection.service.series import SCO
from epibridge.detection.statuses import SignalStatus
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_, NP_, fmt_date, fmt_number
from epibridge.inputs import Id
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.notifications import service as notifications
from epibridge.security import Principal
from epibridge.web.context import Web, get_web, page_errors, posted_form, text
from epibridge.web.data_pages import CLASSIFICATION_NAMES, DETECTION_METHODS, METRIC_NAMES

router = APIRouter(prefix="/signals", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
PAGE = 25
#: How much of the series' history the signal page draws before the signal's period.
HISTORY = timedelta(weeks=52)

#: A signal's status: "Confirmed" is also a column of confirmed cases, so it has a context.
SIGNAL_STATUS_NAMES = {
    "open": NP_("signal status", "Open"),
    "confirmed": NP_("signal status", "Confirmed"),
    "dismissed": NP_("signal status", "Dismissed"),
}
DONE = {
    "confirmed": N_("Signal confirmed: its draft is notified to the member states."),
    "dismissed": N_("Signal dismissed with the reason; nothing is notified."),
}


def _names(web: Web) -> dict[str, Any]:
    return {
        "signal_status_names": {
            k: i18n.translations(web.lang).pgettext(*v) for k, v in SIGNAL_STATUS_NAMES.items()
        },
        "metric_names": {k: web.gettext(v) for k, v in METRIC_NAMES.items()},
        "classification_names": {k: web.gettext(v) for k, v in CLASSIFICATION_NAMES.items()},
        "method_names": DETECTION_METHODS,
    }


@router.get("", response_class=HTMLResponse)
@page_errors
def list_page(
    web: WebDep, state: str = "", disease: str = "", status: str = "", after: str | None = None
) -> Response:
    principal = web.require()
    filters = {
        "state": state,
        "disease": disease.strip(),
        "status": status if status in set(SignalStatus) else "",
    }
    with read_session(web.sessions) as session:
        page = detection.list_signals(
            session,
            principal=principal,
            state=filters["state"] or None,
            disease=filters["disease"] or None,
            status=filters["status"] or None,
            cursor=after or None,
            limit=PAGE,
        )
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
        member_names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
    older = {k: v for k, v in filters.items() if v} | {"after": page.next_cursor}
    return web.render(
        "signals/list.html",
        {
            "items": page.items,
            "filters": filters,
            "state_names": names,
            "member_names": member_names,
            "next_url": f"/signals?{urlencode(older)}" if page.next_cursor else None,
            **_names(web),
        },
    )


def _chart(web: Web, principal: Principal, signal: Signal) -> tuple[str | None, str | None]:
    """The signal's series as the run knew it, its threshold and alarms; or why there is none."""
    if signal.dataset != SCO:
        return None, web.gettext("The chart is drawn for the member states' own data only.")
    selector = SeriesSelector(
        signal.disease,
        states=(signal.state,),
        metric=signal.metric,
        classification=signal.classification,
        area=signal.area,
        granularity=signal.granularity,  # type: ignore[arg-type]
        start=signal.period_start - HISTORY,
        as_of=signal.as_of,
    )
    try:
        with read_session(web.sessions) as session:
            found = detection.series_thresholds(
                session, principal=principal, selector=selector, method=signal.method
            )
    except DomainError as exc:
        return None, web.gettext(exc.detail)
    if not found.points:
        return None, web.gettext("No data in this series.")
    points = found.points
    curve = charts.Curve(
        label=signal.state,
        points=[(p.period_start, p.observed) for p in points],
        threshold=[(p.period_start, p.upperbound) for p in points if p.upperbound is not None],
        alarms=frozenset(p.period_start for p in points if p.alarm),
    )
    title = web.gettext("Series of the signal: %(series)s, %(method)s") % {
        "series": f"{signal.disease} {web.gettext(METRIC_NAMES.get(signal.metric, signal.metric))}",
        "method": DETECTION_METHODS.get(signal.method, signal.method),
    }
    svg = charts.svg(
        [curve],
        title=title,
        fmt_number=lambda v: fmt_number(v, web.lang),
        fmt_date=lambda d: fmt_date(d, web.lang, "short"),
    )
    return svg, None


def _draft_title(session: Any, web: Web, principal: Principal, signal: Signal) -> str | None:
    """The linked draft's title in the reader's language, when the reader may see the draft."""
    if signal.notification_id is None:
        return None
    try:
        draft = notifications.get(session, actor=principal, event_id=signal.notification_id)
    except DomainError:
        return None
    return i18n.localized(draft, "title", web.lang)


@router.get("/{signal_id}", response_class=HTMLResponse)
@page_errors
def signal_page(web: WebDep, signal_id: Id, done: str = "") -> Response:
    principal = web.require()
    with read_session(web.sessions) as session:
        signal = detection.get(session, principal=principal, signal_id=signal_id)
        names = members.state_names(session, on=utcnow().date(), lang=web.lang)
        draft_title = _draft_title(session, web, principal, signal)
    chart, no_chart = _chart(web, principal, signal)
    return web.render(
        "signals/signal.html",
        {
            "signal": signal,
            "draft_title": draft_title,
            "state_names": names,
            "allowed": detection.decisions(principal, signal),
            "chart": chart,
            "no_chart": no_chart,
            "done": web.gettext(DONE[done]) if done in DONE else None,
            **_names(web),
        },
    )


@router.post("/{signal_id}/confirm")
@page_errors
def confirm(web: WebDep, form: FormDep, signal_id: Id) -> Response:
    del form
    principal = web.require()
    with write_session(web.sessions) as session:
        detection.confirm(session, actor=principal, signal_id=signal_id)
    return web.redirect(f"/signals/{signal_id}?done=confirmed")


@router.post("/{signal_id}/dismiss")
@page_errors
def dismiss(web: WebDep, form: FormDep, signal_id: Id) -> Response:
    principal = web.require()
    try:
        data = SignalDismiss(reason=text(form, "reason"))
    except ValidationError:
        raise InvalidInput(
            N_("Give the reason the signal is not an outbreak."),
            [FieldError("reason", N_("must not be blank"))],
        ) from None
    with write_session(web.sessions) as session:
        detection.dismiss(session, actor=principal, signal_id=signal_id, data=data)
    return web.redirect(f"/signals/{signal_id}?done=dismissed")
