"""The epidemic curve page: chart (server-side SVG), table and CSV of the epidemic database,
with the detection service's thresholds and alarms drawn over it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, QueryParams

from epibridge.db import read_session, utcnow
from epibridge.detection import service as detection
from epibridge.detection.schemas import SeriesThresholds
from epibridge.epidata import overview, queries
from epibridge.epidata.codes import METRICS
from epibridge.epidata.schemas import SeriesSet
from epibridge.epidata.selector import IDENTITY, VIEW, SeriesSelector, default_of
from epibridge.errors import DomainError, NotFound
from epibridge.gateways.sdmx.links import sdmx_links
from epibridge.i18n import N_, fmt_number
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.nowcasting import outlook
from epibridge.nowcasting.outlook import Outlook
from epibridge.security import Action, Principal, authorize
from epibridge.web import curve_view
from epibridge.web.context import Web, get_web, page_errors, parse_date, posted_form

router = APIRouter(prefix="/data", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]
FormDep = Annotated[FormData, Depends(posted_form)]
RATE_PER = 100_000

METRIC_NAMES = {
    "cases": N_("Cases"),
    "deaths": N_("Deaths"),
    "hospitalisations": N_("Hospitalisations"),
    "tests": N_("Tests"),
    "positive_tests": N_("Positive tests"),
    "vaccinations": N_("Vaccinations"),
}
CLASSIFICATION_NAMES = {
    "all": N_("All cases"),
    "confirmed": N_("Confirmed"),
    "probable": N_("Probable"),
    "suspected": N_("Suspected"),
}
DETECTION_METHODS = {
    "ears-c1": "EARS C1",
    "ears-c2": "EARS C2",
    "ears-c3": "EARS C3",
    "farrington": "Farrington",
    "noufaily": "Noufaily",
}


def _shown_default(name: str) -> str:
    default = default_of(name)
    return default if isinstance(default, str) else ""


GRANULARITY_NAMES = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
#: The page's query parameters but ``state``, with what an absent one means: the selector's
#: fields and defaults (``epidata.selector``), then the page's own two.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    *((name, _shown_default(name)) for name in (*IDENTITY, *VIEW)),
    ("rate", ""),
    ("detect", ""),
    ("nowcast", ""),
    ("max_delay", ""),
)


def selector_of(params: QueryParams, default_state: str | None) -> SeriesSelector:
    """The curve page's query as a selector: the page, its CSV and its thresholds share it.

    The chosen states, or the reader's own state when none is chosen; an unknown granularity
    falls back to weeks and a malformed date is ignored (the form sends ``type=date``); the
    "as known on" day is the end of that day, UTC.
    """
    states = tuple(s for s in params.getlist("state") if s)
    text = {name: params.get(name, _shown_default(name)) for name in IDENTITY}
    text["classification"] = text["classification"] or "all"  # the form's "All cases" is empty
    granularity = params.get("granularity", "")
    as_of = parse_date(params.get("as_of"))
    return SeriesSelector(
        states=states or ((default_state,) if default_state else ()),
        **text,
        granularity=granularity if granularity in GRANULARITY_NAMES else default_of("granularity"),
        start=parse_date(params.get("start")),
        end=parse_date(params.get("end")),
        as_of=datetime.combine(as_of, time.max, tzinfo=UTC) if as_of else None,
    )


def _curve(web: Web, principal: Principal, selector: SeriesSelector, rate: str) -> SeriesSet:
    with read_session(web.sessions) as session:
        return queries.series(
            session,
            principal=principal,
            selector=selector,
            per=RATE_PER if rate == "yes" else None,
        )


def _form(params: QueryParams, states: list[str]) -> dict[str, Any]:
    """What the reader chose, as typed, to show the form again."""
    form: dict[str, Any] = {name: params.get(name, default) for name, default in FORM_FIELDS}
    form["states"] = states
    form["detect"] = form["detect"] if form["detect"] in DETECTION_METHODS else ""
    form["classification"] = form["classification"] or "all"
    form["nowcast"] = "yes" if form["nowcast"] == "yes" else ""
    return form


@router.get("/curve", response_class=HTMLResponse)
@page_errors
def curve_page(web: WebDep) -> Response:
    principal = web.require()
    authorize(principal, Action.READ_MEMBERS)  # the members' data: not for observers
    with read_session(web.sessions) as session:
        names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
        codes = overview.diseases_with_data(session, principal=principal)
    params = web.request.query_params
    result, error, selector = None, None, None
    if params.get("disease"):
        try:
            selector = selector_of(params, principal.state)
            if selector.states:
                result = _curve(web, principal, selector, params.get("rate", ""))
        except DomainError as exc:
            error = web.detail(exc)
    chosen = list(selector.states) if selector else [s for s in params.getlist("state") if s]
    form = _form(params, chosen or ([principal.state] if principal.state else []))
    drawing = curve_view.Drawing()
    if result is not None and selector is not None:
        drawing = _drawing(web, principal, result, selector, form, names)
    query = web.request.url.query
    return web.render(
        "data/curve.html",
        {
            "form": form,
            "state_names": names,
            "diseases": curve_view.disease_choices(codes, form["disease"], web.lang),
            "metric_names": {k: web.gettext(METRIC_NAMES.get(k, k)) for k in METRICS},
            "classification_names": {k: web.gettext(v) for k, v in CLASSIFICATION_NAMES.items()},
            "granularity_names": {k: web.gettext(v) for k, v in GRANULARITY_NAMES.items()},
            "drawing": drawing,
            "error": error,
            "csv_url": f"/data/curve.csv?{query}" if result is not None else None,
            "fhir_url": _fhir_url(web, selector) if result is not None and selector else None,
            "sdmx_urls": sdmx_links(selector) if result is not None and selector else {},
            "rate_per": RATE_PER,
            "detection_names": DETECTION_METHODS,
            "detected": bool(form["detect"]) and not drawing.empty,
            "default_max_delay": outlook.DEFAULT_MAX_DELAY,
        },
    )


def _drawing(
    web: Web,
    principal: Principal,
    result: SeriesSet,
    selector: SeriesSelector,
    form: dict[str, Any],
    names: dict[str, str],
) -> curve_view.Drawing:
    metric = web.gettext(METRIC_NAMES.get(selector.metric, selector.metric))
    classification = web.gettext(CLASSIFICATION_NAMES.get(selector.classification, "All cases"))
    rate = form["rate"] == "yes"
    per = fmt_number(RATE_PER, web.lang)
    detect = form["detect"] and not curve_view.is_empty(result)
    return curve_view.draw(
        web,
        result,
        selector,
        form,
        names,
        title=curve_view.title_of(web, selector, names, metric, classification),
        y_label=web.gettext("Rate per %(per)s inhabitants") % {"per": per} if rate else metric,
        method=DETECTION_METHODS.get(form["detect"], ""),
        found=_thresholds(web, principal, result, selector, form) if detect else {},
        outlooks=_outlooks(web, principal, result, selector, form) if form["nowcast"] else {},
    )


def _outlooks(
    web: Web,
    principal: Principal,
    result: SeriesSet,
    selector: SeriesSelector,
    form: dict[str, Any],
) -> dict[str, Outlook | str]:
    """Per state, the nowcasting service's nowcast and forecast, or why there is none.

    The same call as ``GET /api/v1/data/nowcast`` (``nowcasting.outlook``); counts only, since
    the delays are learnt from the counts as reported.
    """
    if form["rate"] == "yes":
        reason = web.gettext("The nowcast is drawn on counts: choose counts to see it.")
        return {item.state: reason for item in result.series}
    raw = form["max_delay"] or str(outlook.DEFAULT_MAX_DELAY)
    max_delay = int(raw) if raw.isdigit() else -1  # the service names the field
    out: dict[str, Outlook | str] = {}
    with read_session(web.sessions) as session:
        for item in result.series:
            try:
                out[item.state] = outlook.outlook(
                    session,
                    actor=principal,
                    selector=selector.for_state(item.state),
                    max_delay=max_delay,
                )
            except DomainError as exc:
                out[item.state] = web.detail(exc)
    return out


def _fhir_url(web: Web, selector: SeriesSelector) -> str:
    """The same states' series as a FHIR MeasureReport Bundle (the FHIR gateway's search)."""
    params = [("state", ",".join(selector.states)), ("disease", selector.disease)]
    params += [("metric", selector.metric), ("granularity", selector.granularity)]
    if selector.area:
        params.append(("area", selector.area))
    params += [("period", f"ge{d.isoformat()}") for d in (selector.start,) if d]
    params += [("period", f"le{d.isoformat()}") for d in (selector.end,) if d]
    params.append(("_count", str(web.request.app.state.settings.page_size_max)))
    return f"/api/fhir/MeasureReport?{urlencode(params)}"


@router.get("/curve.csv")
@page_errors
def curve_csv(web: WebDep) -> Response:
    principal = web.require()
    params = web.request.query_params
    selector = selector_of(params, principal.state)
    result = _curve(web, principal, selector, params.get("rate", ""))
    return web.finish(
        Response(
            queries.export(result, "csv"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="curve-{selector.disease}.csv"'},
        )
    )


def _thresholds(
    web: Web,
    principal: Principal,
    result: SeriesSet,
    selector: SeriesSelector,
    form: dict[str, Any],
) -> dict[str, SeriesThresholds | str]:
    """Per state, the chosen method's thresholds from the detection service, or why there are none.

    The service computes them on the whole history and clips them to the range (the same call
    as ``GET /api/v1/data/thresholds``); a state without the series has no entry.
    """
    if form["rate"] == "yes":
        reason = web.gettext("Detection runs on counts: choose counts to see thresholds.")
        return {item.state: reason for item in result.series}
    out: dict[str, SeriesThresholds | str] = {}
    with read_session(web.sessions) as session:
        for item in result.series:
            try:
                out[item.state] = detection.series_thresholds(
                    session,
                    principal=principal,
                    selector=selector.for_state(item.state),
                    method=form["detect"],
                )
            except NotFound:
                continue  # nothing reported: the page says so for the curve already
            except DomainError as exc:
                out[item.state] = web.detail(exc)  # e.g. a granularity it does not take
    return out
