"""The epidemic curve page: chart (server-side SVG), table and CSV of the epidemic database,
with the detection service's thresholds and alarms drawn over it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, QueryParams

from epibridge import charts
from epibridge.db import read_session, utcnow
from epibridge.detection import service as detection
from epibridge.epidata import queries
from epibridge.epidata.codes import METRICS
from epibridge.epidata.schemas import SeriesSet
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError
from epibridge.i18n import N_, fmt_date, fmt_number
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Action, Principal, authorize
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
GRANULARITY_NAMES = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
#: The page's query parameters but ``state``, with what an absent one means.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("disease", ""),
    ("metric", "cases"),
    ("classification", "all"),
    ("area", ""),
    ("age_group", ""),
    ("sex", ""),
    ("granularity", "week"),
    ("start", ""),
    ("end", ""),
    ("as_of", ""),
    ("rate", ""),
    ("detect", ""),
)


def selector_of(params: QueryParams, default_state: str | None) -> SeriesSelector:
    """The curve page's query as a selector: the page, its CSV and its thresholds share it.

    The chosen states, or the reader's own state when none is chosen; an unknown granularity
    falls back to weeks and a malformed date is ignored (the form sends ``type=date``); the
    "as known on" day is the end of that day, UTC.
    """
    states = tuple(s for s in params.getlist("state") if s)
    granularity = params.get("granularity", "week")
    as_of = parse_date(params.get("as_of"))
    return SeriesSelector(
        states=states or ((default_state,) if default_state else ()),
        disease=params.get("disease", ""),
        metric=params.get("metric", "cases"),
        classification=params.get("classification") or "all",
        area=params.get("area", ""),
        age_group=params.get("age_group", ""),
        sex=params.get("sex", ""),
        granularity=granularity if granularity in GRANULARITY_NAMES else "week",  # type: ignore[arg-type]
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
    params = web.request.query_params
    result, chart, error, selector = None, None, None, None
    if params.get("disease"):
        try:
            selector = selector_of(params, principal.state)
            if selector.states:
                result = _curve(web, principal, selector, params.get("rate", ""))
        except DomainError as exc:
            error = web.detail(exc)
    chosen = list(selector.states) if selector else [s for s in params.getlist("state") if s]
    form = _form(params, chosen or ([principal.state] if principal.state else []))
    rows: list[dict[str, Any]] = []
    if result is not None and selector is not None:
        rows, chart, error = _drawn(web, principal, result, selector, form, names)
    query = web.request.url.query
    return web.render(
        "data/curve.html",
        {
            "form": form,
            "state_names": names,
            "metric_names": {k: web.gettext(METRIC_NAMES.get(k, k)) for k in METRICS},
            "classification_names": {k: web.gettext(v) for k, v in CLASSIFICATION_NAMES.items()},
            "granularity_names": {k: web.gettext(v) for k, v in GRANULARITY_NAMES.items()},
            "chart": chart,
            "rows": rows,
            "synthetic": any(r["synthetic"] for r in rows),
            "error": error,
            "csv_url": f"/data/curve.csv?{query}" if result is not None else None,
            "rate_per": RATE_PER,
            "detection_names": DETECTION_METHODS,
            "detected": bool(form["detect"]),
        },
    )


def _drawn(
    web: Web,
    principal: Principal,
    result: SeriesSet,
    selector: SeriesSelector,
    form: dict[str, Any],
    names: dict[str, str],
) -> tuple[list[dict[str, Any]], str, str | None]:
    """The table rows, the chart and the detection overlay's complaint, if any."""
    rate = form["rate"] == "yes"
    error = None
    curves = []
    rows: list[dict[str, Any]] = []
    detected = _thresholds(web, principal, result, selector, form["detect"]) if not rate else {}
    if form["detect"] and rate:
        error = web.gettext("Detection runs on counts: choose counts to see thresholds.")
    for item in result.series:
        points = [(p.period_start, p.rate if rate else p.value) for p in item.points]
        threshold, alarms = detected.get(item.state, (None, set()))
        curves.append(
            charts.Curve(
                label=names.get(item.state, item.state),
                points=points,
                threshold=threshold,
                alarms=frozenset(alarms),
            )
        )
        limits = dict(threshold or [])
        for p in item.points:
            rows.append(
                {
                    "state": item.state,
                    "point": p,
                    "synthetic": item.synthetic,
                    "threshold": limits.get(p.period_start),
                    "alarm": p.period_start in alarms,
                }
            )
    rows.sort(key=lambda r: (r["point"].period_start, r["state"]))
    title = (
        web.gettext("Epidemic curve")
        + f": {selector.disease}, "
        + web.gettext(METRIC_NAMES.get(selector.metric, selector.metric))
    )
    chart = charts.svg(
        curves,
        title=title,
        fmt_number=lambda v: fmt_number(v, web.lang),
        fmt_date=lambda d: fmt_date(d, web.lang, "short"),
    )
    return rows, chart, error


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
    web: Web, principal: Principal, result: SeriesSet, selector: SeriesSelector, method: str
) -> dict[str, tuple[list[tuple[date, float | None]], set[date]]]:
    """Thresholds and alarms of the chosen method per state, from the detection service."""
    if not method:
        return {}
    out: dict[str, tuple[list[tuple[date, float | None]], set[date]]] = {}
    with read_session(web.sessions) as session:
        for item in result.series:
            try:
                found = detection.series_thresholds(
                    session,
                    principal=principal,
                    selector=selector.for_state(item.state),
                    method=method,
                )
            except DomainError:
                continue  # no series, or a granularity detection does not run on
            out[item.state] = (
                [(p.period_start, p.upperbound) for p in found.points if p.upperbound is not None],
                {p.period_start for p in found.points if p.alarm},
            )
    return out
