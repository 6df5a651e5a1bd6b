"""What the curve page draws from a series set and the detection service's thresholds: the
chart, its title and axis names, the table, and the sentences that say why something is not
drawn (nothing reported, a method without enough history). No rule is decided here: the
thresholds and their history figures come from ``detection.service.series_thresholds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from epibridge import charts, i18n
from epibridge.detection.schemas import SeriesThresholds
from epibridge.epidata.schemas import SeriesSet
from epibridge.epidata.selector import SeriesSelector
from epibridge.i18n import N_, NP_, fmt_date, fmt_number
from epibridge.notifications.diseases import disease_name
from epibridge.nowcasting.outlook import Band, Outlook
from epibridge.web.context import Web

#: Why a method draws no threshold, with its figures; one sentence per granularity, since the
#: unit agrees with the number in Russian (written here as an abbreviation) and not in English.
SHORT_HISTORY = {
    "week": N_(
        "%(method)s needs %(needed)s weeks of history before the first week it judges; "
        "this series has %(have)s weeks."
    ),
    "month": N_(
        "%(method)s needs %(needed)s months of history before the first month it judges; "
        "this series has %(have)s months."
    ),
}
LATE_START = {
    "week": N_(
        "%(method)s needs %(needed)s weeks of history: its first threshold is for the week "
        "of %(day)s, after the range shown."
    ),
    "month": N_(
        "%(method)s needs %(needed)s months of history: its first threshold is for the month "
        "of %(day)s, after the range shown."
    ),
}
#: Words of the charts and figures whose English is too common to own alone in the catalogue.
NOT_REPORTED = NP_("epidemic figures", "not reported")
NOWCAST = NP_("reporting delay", "Nowcast")
FORECAST = NP_("reporting delay", "Forecast")
MEDIAN = NP_("reporting delay", "median")
X_LABELS = {"day": N_("Day"), "week": N_("Week beginning"), "month": N_("Month")}


@dataclass
class Drawing:
    """The curve part of the page; ``empty`` when the choice matched no reported value."""

    chart: str | None = None
    title: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    synthetic: bool = False
    empty: bool = False
    empty_text: str = ""
    notes: list[str] = field(default_factory=list)
    thresholds: bool = False
    #: The nowcast and forecast of each state, one row per period (``outlook_rows``).
    outlook_rows: list[dict[str, Any]] = field(default_factory=list)


def word(web: Web, text: tuple[str, str]) -> str:
    """A word marked with ``NP_``, in the reader's language."""
    return i18n.translations(web.lang).pgettext(*text)


def is_empty(result: SeriesSet) -> bool:
    return not any(p.value is not None for item in result.series for p in item.points)


def disease_choices(codes: list[str], chosen: str, lang: str) -> list[tuple[str, str]]:
    """(code, "Name (code)") for the picker, by name in the reader's language.

    The codes are those with data; a code asked for in the query is kept, so the page can say
    it has nothing for it.
    """
    wanted = chosen.strip().upper()
    listed = list(dict.fromkeys([*codes, *([wanted] if wanted else [])]))
    named = []
    for code in listed:
        try:
            name = disease_name(code, lang) or code
        except ValueError:
            name = code  # a malformed code from the query: shown as typed, refused by the service
        named.append((code, f"{name} ({code})" if name != code else code))
    return sorted(named, key=lambda item: item[1].casefold())


def title_of(
    web: Web, selector: SeriesSelector, names: dict[str, str], metric: str, classification: str
) -> str:
    """ "Epidemic curve: Measles (B05) — Cases, All cases. Kazakhstan", in the reader's language."""
    disease = disease_name(selector.disease, web.lang) or selector.disease
    states = ", ".join(names.get(s, s) for s in selector.states)
    return (
        f"{web.gettext('Epidemic curve')}: {disease} ({selector.disease}) — {metric}, "
        f"{classification}. {states}"
    )


def draw(
    web: Web,
    result: SeriesSet,
    selector: SeriesSelector,
    form: dict[str, Any],
    names: dict[str, str],
    *,
    title: str,
    y_label: str,
    method: str,
    found: dict[str, SeriesThresholds | str],
    outlooks: dict[str, Outlook | str] | None = None,
) -> Drawing:
    """The chart and table of ``result`` with the thresholds ``found`` per state, if any."""
    if is_empty(result):
        return Drawing(title=title, empty=True, empty_text=_nothing(web, selector, names))
    rate = form["rate"] == "yes"
    curves, rows = [], []
    for item in result.series:
        points: list[tuple[date, float | None]] = [
            (p.period_start, p.rate if rate else p.value) for p in item.points
        ]
        limits, alarms = _overlay(found.get(item.state))
        ahead = (outlooks or {}).get(item.state)
        ahead = ahead if isinstance(ahead, Outlook) else None
        curves.append(
            charts.Curve(
                label=names.get(item.state, item.state),
                points=points,
                threshold=sorted(limits.items()) or None,
                alarms=frozenset(alarms),
                nowcast=_quantiles(ahead.nowcast, selector) if ahead else (),
                forecast=_quantiles(ahead.forecast, selector) if ahead else (),
            )
        )
        rows += [
            {
                "state": item.state,
                "point": p,
                "synthetic": item.synthetic,
                "threshold": limits.get(p.period_start),
                "alarm": p.period_start in alarms,
            }
            for p in item.points
        ]
    rows.sort(key=lambda r: (r["point"].period_start, r["state"]))
    labels = charts.Labels(
        x=web.gettext(X_LABELS.get(selector.granularity, "Week beginning")),
        y=y_label,
        threshold=web.gettext("Threshold"),
        alarm=web.gettext("Alarm"),
        not_reported=word(web, NOT_REPORTED),
        nowcast=word(web, NOWCAST),
        forecast=word(web, FORECAST),
        median=word(web, MEDIAN),
        interval_50=web.gettext("%(share)s interval") % {"share": "50%"},
        interval_90=web.gettext("%(share)s interval") % {"share": "90%"},
    )
    chart = charts.svg(
        curves,
        title=title,
        fmt_number=lambda v: fmt_number(v, web.lang),
        fmt_date=lambda d: fmt_date(d, web.lang, "short"),
        labels=labels,
        fmt_threshold=lambda v: fmt_number(v, web.lang, 1),  # as the table writes it
    )
    return Drawing(
        chart=chart,
        title=title,
        rows=rows,
        synthetic=any(item.synthetic for item in result.series),
        notes=_notes(web, found, names, method, selector.granularity)
        + _outlook_notes(web, outlooks or {}, names),
        thresholds=any(isinstance(v, SeriesThresholds) for v in found.values()),
        outlook_rows=_outlook_rows(web, outlooks or {}),
    )


def _quantiles(bands: list[Band], selector: SeriesSelector) -> tuple[charts.Quantiles, ...]:
    """The bands as the chart takes them; the nowcast only inside the range asked."""
    return tuple(
        (b.period_start, b.q05, b.q25, b.q50, b.q75, b.q95)
        for b in bands
        if selector.end is None or b.period_start <= selector.end
    )


def _outlook_rows(web: Web, outlooks: dict[str, Outlook | str]) -> list[dict[str, Any]]:
    """The table under the chart: each nowcast and forecast period of each state."""
    rows = []
    for state, ahead in outlooks.items():
        if not isinstance(ahead, Outlook):
            continue
        for kind, bands in ((NOWCAST, ahead.nowcast), (FORECAST, ahead.forecast)):
            rows += [
                {"state": state, "kind": word(web, kind), "band": b, "synthetic": ahead.synthetic}
                for b in bands
            ]
    return rows


def _outlook_notes(
    web: Web, outlooks: dict[str, Outlook | str], names: dict[str, str]
) -> list[str]:
    """Why a state has no nowcast: the service's reason, or no incomplete period."""
    notes = []
    for state, ahead in outlooks.items():
        if isinstance(ahead, str):
            text = ahead
        elif not ahead.nowcast and not ahead.forecast:
            text = web.gettext("No period of this series is still incomplete: no nowcast to draw.")
        else:
            continue
        notes.append(
            web.gettext("%(label)s: %(value)s") % {"label": names.get(state, state), "value": text}
        )
    return notes


def _overlay(found: SeriesThresholds | str | None) -> tuple[dict[date, float], set[date]]:
    if not isinstance(found, SeriesThresholds):
        return {}, set()
    limits = {p.period_start: p.upperbound for p in found.points if p.upperbound is not None}
    return limits, {p.period_start for p in found.points if p.alarm}


def _notes(
    web: Web,
    found: dict[str, SeriesThresholds | str],
    names: dict[str, str],
    method: str,
    granularity: str,
) -> list[str]:
    """Why a state's curve has no threshold: the service's reason or its history figures."""
    notes: list[str] = []
    for state, item in found.items():
        if isinstance(item, str):
            text = item
        elif any(p.upperbound is not None for p in item.points):
            continue
        elif item.first_judged is None:
            text = web.gettext(SHORT_HISTORY.get(granularity, SHORT_HISTORY["week"])) % {
                "method": method,
                "needed": fmt_number(item.history_needed, web.lang),
                "have": fmt_number(item.history_periods, web.lang),
            }
        else:
            text = web.gettext(LATE_START.get(granularity, LATE_START["week"])) % {
                "method": method,
                "needed": fmt_number(item.history_needed, web.lang),
                "day": fmt_date(item.first_judged, web.lang),
            }
        if len(found) > 1:
            text = web.gettext("%(label)s: %(value)s") % {
                "label": names.get(state, state),
                "value": text,
            }
        if text not in notes:
            notes.append(text)
    return notes


def _nothing(web: Web, selector: SeriesSelector, names: dict[str, str]) -> str:
    """What the empty result was: which series, which states, which range."""
    text = web.gettext("Nothing reported by %(states)s for %(disease)s.") % {
        "states": ", ".join(names.get(s, s) for s in selector.states),
        "disease": f"{disease_name(selector.disease, web.lang) or selector.disease} "
        f"({selector.disease})",
    }
    if selector.start or selector.end:
        text += " " + web.gettext("Range: %(start)s – %(end)s.") % {
            "start": fmt_date(selector.start, web.lang) if selector.start else "…",
            "end": fmt_date(selector.end, web.lang) if selector.end else "…",
        }
    return text
