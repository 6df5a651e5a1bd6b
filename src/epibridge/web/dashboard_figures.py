"""The dashboard's figures, drawn: small charts and trends per state, the rate map, reporting.

The figures and their rules (main diseases, trend, rate, who reported) are
``epidata.overview``'s; this turns them into sparklines, map classes and words in the reader's
language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from epibridge import charts
from epibridge.epidata import overview
from epibridge.epidata.overview import Overview, StateFigures, Trend
from epibridge.errors import DomainError
from epibridge.i18n import NP_, fmt_date, fmt_number
from epibridge.notifications.diseases import disease_name
from epibridge.security import Principal
from epibridge.web.context import Web
from epibridge.web.curve_view import NOT_REPORTED, word

TREND_WORDS = {
    Trend.UP: ("↑", NP_("epidemic figures", "rising")),
    Trend.DOWN: ("↓", NP_("epidemic figures", "falling")),
    Trend.FLAT: ("→", NP_("epidemic figures", "stable")),
    Trend.UNKNOWN: ("·", NP_("epidemic figures", "not enough data")),
}
#: The reporting weeks the table shows, the day's week last.
REPORT_WEEKS = 4


@dataclass
class Figures:
    found: Overview
    codes: list[tuple[str, str]]  # (code, "Name (code)") with data, for the map's picker
    names: dict[str, str]  # disease code -> name in the reader's language
    rows: list[dict[str, Any]] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)  # state -> map class
    tips: dict[str, str] = field(default_factory=dict)  # state -> map title
    error: str | None = None
    shares: list[str] = field(default_factory=list)  # per week, as a percentage
    reported_now: int = 0  # member states that reported the day's week


def build(
    session: Session,
    web: Web,
    principal: Principal,
    *,
    on: date,
    disease: str,
    state_names: dict[str, str],
) -> Figures:
    """The figures of the day; a disease the query names that is not a code is said, not fatal."""
    error = None
    try:
        found = overview.overview(session, principal=principal, on=on, disease=disease or None)
    except DomainError as exc:
        error = web.detail(exc)
        found = overview.overview(session, principal=principal, on=on)
    listed = overview.diseases_with_data(session, principal=principal)
    wanted = [*found.diseases, *listed, *([found.rate_disease] if found.rate_disease else [])]
    names = {code: disease_name(code, web.lang) or code for code in dict.fromkeys(wanted)}
    codes = sorted(((c, f"{names[c]} ({c})") for c in listed), key=lambda c: c[1].casefold())
    figures = Figures(found=found, codes=codes, names=names, error=error)
    figures.rows = [_row(web, item, found, names, state_names) for item in found.states]
    figures.reported_now = sum(item.reported[-1] for item in found.states)
    figures.shares = [_percent(web, share) for share in found.reported_share]
    _shade(web, figures, state_names)
    return figures


def _percent(web: Web, share: float | None) -> str:
    if share is None:
        return "–"
    return web.gettext("%(share)s%%") % {"share": fmt_number(share * 100, web.lang, 0)}


def _row(
    web: Web,
    item: StateFigures,
    found: Overview,
    names: dict[str, str],
    state_names: dict[str, str],
) -> dict[str, Any]:
    state = state_names.get(item.state, item.state)
    labels = charts.Labels(not_reported=word(web, NOT_REPORTED))
    cells = []
    for weeks in item.diseases:
        arrow, text = TREND_WORDS[weeks.trend]
        trend = word(web, text)
        cells.append(
            {
                "chart": charts.sparkline(
                    list(zip(found.weeks, weeks.values, strict=True)),
                    title=f"{state}, {names[weeks.disease]}: {trend}",
                    fmt_number=lambda v: fmt_number(v, web.lang),
                    fmt_date=lambda d: fmt_date(d, web.lang),
                    labels=labels,
                ),
                "trend": weeks.trend.value,
                "arrow": arrow,
                "word": trend,
                "means": _means(web, weeks.recent, weeks.previous),
                "synthetic": weeks.synthetic,
            }
        )
    return {
        "state": item.state,
        "name": state,
        "cells": cells,
        "reported": item.reported[-REPORT_WEEKS:],
        "rate": item.rate,
    }


def _means(web: Web, recent: float | None, previous: float | None) -> str:
    # The sentence names four weeks: overview.TREND_WEEKS.
    return web.gettext("%(recent)s a week in the last 4 weeks, %(previous)s in the 4 before") % {
        "recent": fmt_number(recent, web.lang, 1) if recent is not None else "–",
        "previous": fmt_number(previous, web.lang, 1) if previous is not None else "–",
    }


def _shade(web: Web, figures: Figures, state_names: dict[str, str]) -> None:
    """Each member state's class on the rate map and the text it shows on hover."""
    rates = {row["state"]: row["rate"] for row in figures.rows}
    figures.edges = charts.rate_edges([r.rate for r in rates.values()])
    for state, rate in rates.items():
        name = state_names.get(state, state)
        shade = charts.rate_class(rate.rate, figures.edges)
        figures.classes[state] = "nodata" if shade is None else f"q{shade}"
        if rate.rate is None:
            figures.tips[state] = f"{name}: {word(web, NOT_REPORTED)}"
        else:
            figures.tips[state] = web.gettext("%(state)s: %(rate)s per %(per)s a week") % {
                "state": name,
                "rate": fmt_number(rate.rate, web.lang, 2),
                "per": fmt_number(overview.RATE_PER, web.lang),
            }


def legend(web: Web, edges: list[float]) -> list[tuple[str, str]]:
    """(class, "from – to") for each shade of the rate map, then the states without a value."""
    keys = [
        (f"q{i}", f"{fmt_number(low, web.lang)} – {fmt_number(high, web.lang)}")
        for i, (low, high) in enumerate(pairwise(edges))
    ]
    return [*keys, ("nodata", word(web, NOT_REPORTED))]
