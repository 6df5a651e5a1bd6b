"""The backtest page: the track record of the nowcasts of one series, beside the naive baseline.

The numbers are the nowcasting service's (``nowcasting.track_record.backtest``, the same call
as ``GET /api/v1/data/backtest``); the page lays them out as tables and a bar chart of the
weighted interval score by delay, and links the API's CSV.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from epibridge import charts
from epibridge.db import read_session, utcnow
from epibridge.epidata import overview
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError
from epibridge.i18n import N_, fmt_number
from epibridge.members import service as members
from epibridge.members.statuses import MembershipStatus
from epibridge.nowcasting import service, track_record
from epibridge.nowcasting.schemas import BacktestRead, BacktestRow
from epibridge.security import Action, authorize
from epibridge.web import curve_view
from epibridge.web.context import Web, get_web, page_errors
from epibridge.web.data_pages import CLASSIFICATION_NAMES, METRIC_NAMES

router = APIRouter(prefix="/data", include_in_schema=False)
WebDep = Annotated[Web, Depends(get_web)]

METHOD_NAMES = {"chain-ladder": N_("Chain ladder"), "bayes": N_("Bayesian truncation")}
GRANULARITIES = {"week": N_("Week"), "month": N_("Month")}
#: The form's fields, with what an absent one means.
FIELDS: tuple[tuple[str, str], ...] = (
    ("state", ""),
    ("disease", ""),
    ("metric", "cases"),
    ("classification", "all"),
    ("granularity", "week"),
    ("max_delay", "4"),
    ("periods", "104"),
    ("method", "chain-ladder"),
    ("as_of", ""),
)


def _whole(raw: str, fallback: int) -> int:
    return int(raw) if raw.strip().isdigit() else fallback


def _pairs(rows: list[BacktestRow], method: str, naive: str) -> list[dict[str, Any]]:
    """Method and baseline side by side, one row per delay (or forecast horizon)."""
    by = {(r.estimate, r.step): r for r in rows}
    steps = sorted({r.step for r in rows if r.estimate == method})
    return [{"step": s, "method": by[(method, s)], "naive": by.get((naive, s))} for s in steps]


def _chart(web: Web, pairs: list[dict[str, Any]], method: str) -> str:
    return charts.grouped_bars(
        [str(p["step"]) for p in pairs],
        [
            (method, [p["method"].wis for p in pairs]),
            (
                web.gettext("Naive (latest as reported)"),
                [p["naive"].wis if p["naive"] else None for p in pairs],
            ),
        ],
        title=web.gettext("Weighted interval score by delay (lower is better)"),
        fmt_number=lambda v: fmt_number(v, web.lang, 1),
        y_label=web.gettext("WIS"),
    )


def _result(web: Web, form: dict[str, str]) -> BacktestRead:
    principal = web.require()
    selector = SeriesSelector(
        disease=form["disease"],
        states=(form["state"],),
        metric=form["metric"],
        classification=form["classification"],
        granularity=form["granularity"],  # type: ignore[arg-type]
        as_of=service.as_of_moment(form["as_of"]),
    )
    with read_session(web.sessions) as session:
        return track_record.backtest(
            session,
            actor=principal,
            selector=selector,
            max_delay=_whole(form["max_delay"], -1),
            periods=_whole(form["periods"], -1),
            method=form["method"],
        )


@router.get("/backtest", response_class=HTMLResponse)
@page_errors
def backtest_page(web: WebDep) -> Response:
    principal = web.require()
    authorize(principal, Action.READ_MEMBERS)  # the members' data: not for observers
    params = web.request.query_params
    form = {name: params.get(name, default) or default for name, default in FIELDS}
    form["state"] = form["state"] or principal.state or ""
    with read_session(web.sessions) as session:
        names = members.state_names(
            session, on=utcnow().date(), lang=web.lang, status=MembershipStatus.MEMBER
        )
        codes = overview.diseases_with_data(session, principal=principal)
    context: dict[str, Any] = {
        "form": form,
        "state_names": names,
        "diseases": curve_view.disease_choices(codes, form["disease"], web.lang),
        "metric_names": {k: web.gettext(v) for k, v in METRIC_NAMES.items()},
        "classification_names": {k: web.gettext(v) for k, v in CLASSIFICATION_NAMES.items()},
        "granularity_names": {k: web.gettext(v) for k, v in GRANULARITIES.items()},
        "method_names": {k: web.gettext(v) for k, v in METHOD_NAMES.items()},
        "result": None,
        "error": None,
    }
    if params.get("disease") and form["state"]:
        try:
            result = _result(web, form)
        except DomainError as exc:
            context["error"] = web.detail(exc)
        else:
            method = web.gettext(METHOD_NAMES.get(result.method, result.method))
            nowcasts = _pairs(result.rows, "nowcast", "naive")
            synthetic = _synthetic(web, form)
            api = {k: v for k, v in form.items()} | {"format": "csv"}
            context |= {
                "result": result,
                "method_name": method,
                "nowcasts": nowcasts,
                "forecasts": _pairs(result.rows, "forecast", "forecast_naive"),
                "chart": _chart(web, nowcasts, method) if nowcasts else None,
                "csv_url": "/api/v1/data/backtest?" + urlencode(api),
                "synthetic": synthetic,
            }
    return web.render("data/backtest.html", context)


def _synthetic(web: Web, form: dict[str, str]) -> bool:
    """Whether the series holds generated demo data (the page says so)."""
    from epibridge.epidata import queries

    selector = SeriesSelector(
        disease=form["disease"],
        states=(form["state"],),
        metric=form["metric"],
        classification=form["classification"],
    )
    with read_session(web.sessions) as session:
        meta = queries.series_meta(session, selector, [form["state"]])
    return any(synthetic for _, synthetic in meta.values())
