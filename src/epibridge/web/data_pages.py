"""The epidemic curve page: chart (server-side SVG), table and CSV of the epidemic database,
with the detection service's thresholds and alarms drawn over it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from epibridge.db import read_session, utcnow
from epibridge.detection import service as detection
from epibridge.epidata import queries
from epibridge.epidata.codes import METRICS
from epibridge.errors import DomainError
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.security import Action, Principal, authorize
from epibridge.web import charts
from epibridge.web.context import Web, get_web, page_errors, parse_date, posted_form
from epibridge.web.i18n import N_, fmt_date, fmt_number

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


def _curve_query(
    web: Web,
    principal: Principal,
    states: list[str],
    disease: str,
    metric: str,
    granularity: str,
    start: str,
    end: str,
    rate: str,
    as_of: str,
    classification: str = "all",
) -> Any:
    as_of_day = parse_date(as_of)
    with read_session(web.sessions) as session:
        return queries.series(
            session,
            principal=principal,
            states=states,
            selection=queries.Selection(
                disease=disease, metric=metric, classification=classification or "all"
            ),
            granularity=granularity if granularity in GRANULARITY_NAMES else "week",  # type: ignore[arg-type]
            start=parse_date(start),
            end=parse_date(end),
            as_of=datetime.combine(as_of_day, time.max, tzinfo=UTC) if as_of_day else None,
            per=RATE_PER if rate == "yes" else None,
        )


@router.get("/curve", response_class=HTMLResponse)
@page_errors
def curve_page(
    web: WebDep,
    state: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
    disease: str = "",
    metric: str = "cases",
    granularity: str = "week",
    start: str = "",
    end: str = "",
    rate: str = "",
    as_of: str = "",
    classification: str = "all",
    detect: str = "",
) -> Response:
    principal = web.require()
    authorize(principal, Action.READ_MEMBERS)  # the members' data: not for observers
    with read_session(web.sessions) as session:
        listed = members.list_states(session, on=utcnow().date(), status=MembershipStatus.MEMBER)
        names = {item.state.iso3: item.state.name(web.lang) for item in listed}
    chosen = [s for s in state if s] or ([principal.state] if principal.state else [])
    form = {
        "states": chosen,
        "disease": disease,
        "metric": metric,
        "granularity": granularity,
        "start": start,
        "end": end,
        "rate": rate,
        "as_of": as_of,
        "classification": classification,
        "detect": detect if detect in DETECTION_METHODS else "",
    }
    result, chart, error = None, None, None
    if disease and chosen:
        try:
            result = _curve_query(
                web,
                principal,
                chosen,
                disease,
                metric,
                granularity,
                start,
                end,
                rate,
                as_of,
                classification,
            )
        except (DomainError, ValueError) as exc:
            error = exc.detail if isinstance(exc, DomainError) else str(exc)
    rows: list[dict[str, Any]] = []
    if result is not None:
        curves = []
        detected = _thresholds(web, principal, result, form, as_of) if form["detect"] else {}
        if form["detect"] and rate == "yes":
            error = web.gettext("Detection runs on counts: choose counts to see thresholds.")
        for item in result.series:
            points = [(p.period_start, p.rate if rate == "yes" else p.value) for p in item.points]
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
            + f": {disease}, "
            + web.gettext(METRIC_NAMES.get(metric, metric))
        )
        chart = charts.svg(
            curves,
            title=title,
            fmt_number=lambda v: fmt_number(v, web.lang),
            fmt_date=lambda d: fmt_date(d, web.lang, "short"),
        )
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


@router.get("/curve.csv")
@page_errors
def curve_csv(
    web: WebDep,
    state: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default
    disease: str = "",
    metric: str = "cases",
    granularity: str = "week",
    start: str = "",
    end: str = "",
    rate: str = "",
    as_of: str = "",
) -> Response:
    principal = web.require()
    result = _curve_query(
        web,
        principal,
        [s for s in state if s],
        disease,
        metric,
        granularity,
        start,
        end,
        rate,
        as_of,
    )
    return web.finish(
        Response(
            queries.export(result, "csv"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="curve-{disease}.csv"'},
        )
    )


def _thresholds(
    web: Web, principal: Principal, result: Any, form: dict[str, Any], as_of: str
) -> dict[str, tuple[list[tuple[date, float | None]], set[date]]]:
    """Thresholds and alarms of the chosen method per state, from the detection service."""
    if form["rate"] == "yes":
        return {}
    as_of_day = parse_date(as_of)
    out: dict[str, tuple[list[tuple[date, float | None]], set[date]]] = {}
    with read_session(web.sessions) as session:
        for item in result.series:
            try:
                found = detection.series_thresholds(
                    session,
                    principal=principal,
                    state=item.state,
                    disease=form["disease"],
                    metric=form["metric"],
                    classification=form["classification"] or "all",
                    method=form["detect"],
                    granularity=form["granularity"],
                    start=parse_date(form["start"]),
                    end=parse_date(form["end"]),
                    as_of=datetime.combine(as_of_day, time.max, tzinfo=UTC) if as_of_day else None,
                )
            except DomainError:
                continue  # no series, or a granularity detection does not run on
            out[item.state] = (
                [(p.period_start, p.upperbound) for p in found.points if p.upperbound is not None],
                {p.period_start for p in found.points if p.alarm},
            )
    return out
