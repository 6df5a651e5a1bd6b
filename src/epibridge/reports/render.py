"""Turning a report's content into HTML (Jinja2, translated) and PDF (WeasyPrint)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from epibridge import charts, i18n
from epibridge.assistance import catalogue
from epibridge.notifications.statuses import EventStatus
from epibridge.timeliness.labels import CATEGORY_NAMES

if TYPE_CHECKING:
    from epibridge.reports.service.content import Content
    from epibridge.reports.service.timeliness_section import QuarterlyContent

TEMPLATES = Path(__file__).parent / "templates"

HAPPENED = {
    "notified": i18n.N_("notified"),
    "updated": i18n.N_("updated"),
    "closed": i18n.N_("closed"),
}
# Risk levels carry a context: the web UI's "Moderate" is a consequence, translated otherwise.
RISKS = {
    "low": i18n.NP_("risk level", "Low"),
    "moderate": i18n.NP_("risk level", "Moderate"),
    "high": i18n.NP_("risk level", "High"),
    "very_high": i18n.NP_("risk level", "Very high"),
}
STATUSES = {
    "member": i18n.N_("Member state"),
    "observer": i18n.N_("Observer"),
    "dialogue_partner": i18n.N_("Dialogue partner"),
    "partner": i18n.N_("Partner"),
}
CROSSING_STATUSES = {
    "open": i18n.N_("open"),
    "restricted": i18n.N_("restricted"),
    "closed": i18n.N_("closed"),
    "unknown": i18n.N_("unknown"),
}
URGENCIES = {
    "immediate": i18n.N_("immediate"),
    "expected": i18n.N_("expected"),
    "future": i18n.N_("future"),
}
DIRECTIONS = {"outbound": i18n.N_("outbound"), "inbound": i18n.N_("inbound")}
TRAFFIC = {"freight": i18n.N_("freight"), "people": i18n.N_("people")}
MODES = {"exercise": i18n.N_("EXERCISE"), "test": i18n.N_("TEST")}


@cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value, form="medium": i18n.fmt_day(value, lang, form)
    env.filters["num"] = lambda value: i18n.fmt_number(value, lang)
    env.filters["item"] = lambda code: catalogue.item_name(code, lang)
    env.filters["unit"] = lambda unit: catalogue.unit_name(unit, lang)
    return env


def html(content: Content) -> str:
    """The report as one self-contained HTML document (styles and charts inline)."""
    lang = content.lang
    env = _environment(lang)
    translations = i18n.translations(lang)
    gettext = translations.gettext
    curves = [
        (
            curve,
            Markup(
                charts.weekly_svg(
                    curve.weeks,
                    alarm_weeks={a.period_start for a in curve.alarms},
                    title=f"{curve.disease_name} ({curve.disease})",
                    label=lambda monday: f"W{monday.isocalendar()[1]:02d}",
                    number=lambda value: i18n.fmt_number(value, lang),
                )
            ),
        )
        for curve in content.curves
    ]
    risks: dict[str, list[str]] = {}
    for event in content.events:
        if event.status != EventStatus.CLOSED:
            risks.setdefault(event.state, []).append(event.risk or "")
    map_svg = Markup(
        charts.map_svg(
            content.statuses,
            content.state_names,
            risks,
            focus=content.state,
            title=gettext("Map of the organization’s states"),
        )
    )
    names = content.state_names

    def state_name(code: str) -> str:
        return names.get(code, code)

    return env.get_template("sitrep.html").render(
        c=content,
        lang=lang,
        curves=curves,
        map_svg=map_svg,
        state_name=state_name,
        happened=_translated(gettext, HAPPENED),
        risks={key: translations.pgettext(*text) for key, text in RISKS.items()},
        statuses=_translated(gettext, STATUSES),
        crossing_statuses=_translated(gettext, CROSSING_STATUSES),
        urgencies=_translated(gettext, URGENCIES),
        modes=_translated(gettext, MODES),
        directions=_translated(gettext, DIRECTIONS),
        traffic=_translated(gettext, TRAFFIC),
        risk_colours=charts.RISK_COLOURS,
        status_colours=charts.STATUS_COLOURS,
        has_synthetic=any(
            curve.synthetic or any(a.synthetic for a in curve.alarms) for curve in content.curves
        ),
        monday=content.week.monday,
        sunday=content.week.sunday,
        card=None,
        **_timeliness_words(lang, gettext),
    )


def _timeliness_words(lang: str, gettext: Any) -> dict[str, Any]:
    """What the 7-1-7 parts print: shares as percentages, the taxonomy's categories."""

    def pct(value: float | None) -> str:
        return "–" if value is None else i18n.fmt_number(round(100 * value), lang) + " %"

    return {"pct": pct, "categories": {str(k): gettext(v) for k, v in CATEGORY_NAMES.items()}}


def quarterly_html(content: QuarterlyContent) -> str:
    """The quarterly timeliness report as one self-contained HTML document."""
    lang = content.lang
    gettext = i18n.translations(lang).gettext
    names = content.state_names
    return (
        _environment(lang)
        .get_template("quarterly.html")
        .render(
            q=content,
            lang=lang,
            state_name=lambda code: names.get(code, code),
            card=None,
            **_timeliness_words(lang, gettext),
        )
    )


def _translated(gettext: Any, names: dict[str, str]) -> dict[str, str]:
    return {key: gettext(value) for key, value in names.items()}


def pdf(document: str) -> bytes:
    """Lay the HTML out on A4 pages with WeasyPrint (fonts: Noto, which covers ru and zh)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only reports need

    return HTML(string=document, base_url=str(TEMPLATES)).write_pdf()  # type: ignore[no-any-return]
