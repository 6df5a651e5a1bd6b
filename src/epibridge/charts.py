"""Charts as SVG written on the server, for the web pages and the reports alike.

Hand-made SVG keeps both free of a plotting library and the browser of anything to fetch; HTML
and PDF show the same drawing. One escaping (``escape``) and one axis (``ticks``) serve every
chart. The web's curves carry classes (its Content-Security-Policy allows no inline styles, the
colours are in ``static/app.css``); the reports' curve and map carry their colours as
presentation attributes, since a PDF has no stylesheet of the UI. Nothing here imports the web
UI, so the reports can use it.

This module is the one to import. It draws the web's curves and sparklines and re-exports the
rest: the shared escaping, axis and colours (``chart_basics``) and the reports' printed charts
(``chart_print``), kept in their own files so that none of the three outgrows a reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from epibridge.chart_bands import Quantiles, band_legend, band_tip, bands, grouped_bars
from epibridge.chart_basics import (
    PALETTE,
    RISK_COLOURS,
    STATUS_COLOURS,
    DateFormat,
    Format,
    escape,
    ticks,
)
from epibridge.chart_print import map_svg, weekly_svg

__all__ = [
    "PALETTE",
    "RISK_COLOURS",
    "STATUS_COLOURS",
    "Curve",
    "DateFormat",
    "Format",
    "Labels",
    "Quantiles",
    "escape",
    "grouped_bars",
    "map_svg",
    "rate_class",
    "rate_edges",
    "sparkline",
    "svg",
    "ticks",
    "weekly_svg",
]

WIDTH, HEIGHT = 900, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 64


@dataclass(frozen=True)
class Curve:
    label: str
    points: list[tuple[date, float | None]]
    threshold: list[tuple[date, float | None]] | None = None
    alarms: frozenset[date] = frozenset()
    #: The nowcast of the incomplete periods and the forecast after them (median, 50%, 90%).
    nowcast: tuple[Quantiles, ...] = ()
    forecast: tuple[Quantiles, ...] = ()


@dataclass(frozen=True)
class Labels:
    """A chart's words in the reader's language: the page translates them, the chart places them.

    ``x`` and ``y`` name the axes; the others are the words of the values shown on hover.
    """

    x: str = ""
    y: str = ""
    threshold: str = "threshold"
    alarm: str = "alarm"
    not_reported: str = "not reported"
    nowcast: str = "nowcast"
    forecast: str = "forecast"
    #: "median", "50% interval", "90% interval": the words of a band's legend and tips.
    median: str = "median"
    interval_50: str = "50% interval"
    interval_90: str = "90% interval"


@dataclass(frozen=True)
class _Plot:
    """Where a period and a value land in the plot area."""

    index: dict[date, int]
    slot: float
    ymax: float
    plot_h: float

    def x(self, d: date) -> float:
        return LEFT + (self.index[d] + 0.5) * self.slot

    def y(self, v: float) -> float:
        return TOP + self.plot_h - v / self.ymax * self.plot_h

    def path(self, points: list[tuple[date, float | None]]) -> str:
        """An SVG path through the points that have a value (empty when none has)."""
        return " ".join(
            f"{'M' if j == 0 else 'L'}{self.x(d):.1f},{self.y(v):.1f}"
            for j, (d, v) in enumerate((d, v) for d, v in points if v is not None)
        )


def _axes(
    plot: _Plot,
    marks: list[float],
    periods: list[date],
    fmt_number: Format,
    fmt_date: DateFormat,
    labels: Labels,
) -> list[str]:
    """The grid lines, the value labels, (at most about ten) period labels and the axis names."""
    out = ['<g class="grid">']
    out += [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{plot.y(t):.1f}" y2="{plot.y(t):.1f}"/>'
        for t in marks
    ]
    out.append('</g><g class="axis">')
    out += [
        f'<text x="{LEFT - 6}" y="{plot.y(t) + 4:.1f}" text-anchor="end">'
        f"{escape(fmt_number(t))}</text>"
        for t in marks
    ]
    label_every = max(1, math.ceil(max(len(periods), 1) / 10))
    for d in periods[::label_every]:
        out.append(
            f'<text x="{plot.x(d):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{escape(fmt_date(d))}</text>"
        )
    middle = TOP + plot.plot_h / 2
    if labels.y:
        out.append(
            f'<text class="label" x="14" y="{middle:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {middle:.1f})">{escape(labels.y)}</text>'
        )
    if labels.x:
        centre = LEFT + (WIDTH - LEFT - RIGHT) / 2
        out.append(
            f'<text class="label" x="{centre:.1f}" y="{HEIGHT - BOTTOM + 34}" '
            f'text-anchor="middle">{escape(labels.x)}</text>'
        )
    out.append("</g>")
    return out


def _tip(
    curves: list[Curve],
    d: date,
    formats: tuple[Format, Format, DateFormat],
    labels: Labels,
) -> str:
    """What hovering a period shows: its date, each curve's value, threshold and alarm."""
    fmt_number, fmt_threshold, fmt_date = formats
    parts = []
    for curve in curves:
        value = dict(curve.points).get(d)
        ahead = value is None and any(row[0] == d for row in curve.forecast)
        shown = labels.not_reported if value is None else fmt_number(value)
        text = curve.label if ahead else f"{curve.label}: {shown}"
        limit = dict(curve.threshold or []).get(d)
        if limit is not None:
            text += f" · {labels.threshold} {fmt_threshold(limit)}"
        if d in curve.alarms:
            text += f" · {labels.alarm}"
        for word, rows in ((labels.nowcast, curve.nowcast), (labels.forecast, curve.forecast)):
            text += band_tip(word, rows, d, labels.interval_90, fmt_number)
        parts.append(text)
    return escape(f"{fmt_date(d)} — " + "; ".join(parts))


def _hits(plot: _Plot, periods: list[date], tips: dict[date, str]) -> list[str]:
    """A transparent column per period, under the drawing: hovering it shows the period's values."""
    return [
        f'<rect class="hit" x="{plot.x(d) - plot.slot / 2:.1f}" y="{TOP}" '
        f'width="{plot.slot:.1f}" height="{plot.plot_h:.1f}"><title>{tips[d]}</title></rect>'
        for d in periods
    ]


def _bars(plot: _Plot, curve: Curve, tips: dict[date, str]) -> list[str]:
    bar = max(plot.slot * 0.8, 1.0)
    return [
        f'<rect class="bar" x="{plot.x(d) - bar / 2:.1f}" y="{plot.y(v):.1f}" width="{bar:.1f}" '
        f'height="{max(plot.y(0) - plot.y(v), 0):.1f}"><title>{tips[d]}</title></rect>'
        for d, v in curve.points
        if v is not None
    ]


def _lines(plot: _Plot, curves: list[Curve]) -> list[str]:
    out = []
    for i, curve in enumerate(curves):
        # A class per palette entry (static/app.css), not an inline style: the page's
        # Content-Security-Policy allows none.
        path = plot.path(curve.points)
        if path:
            out.append(f'<path class="line c{i % len(PALETTE)}" d="{path}"/>')
    return out


def _marks(plot: _Plot, curve: Curve) -> list[str]:
    """The curve's threshold line and its alarms (on the periods drawn)."""
    out = []
    if curve.threshold:
        path = plot.path(curve.threshold)
        if path:
            out.append(f'<path class="threshold" d="{path}"/>')
    values_by_day = dict(curve.points)
    for d in sorted(curve.alarms):
        if d in plot.index:
            v = values_by_day.get(d) or 0
            out.append(
                f'<circle class="alarm" cx="{plot.x(d):.1f}" cy="{plot.y(v) - 8:.1f}" r="5"/>'
            )
    return out


def _legend(curves: list[Curve]) -> list[str]:
    out = []
    for i, curve in enumerate(curves):
        lx = LEFT + 10 + i * 110
        colour = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{lx}" y="{HEIGHT - 16}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{HEIGHT - 6}">{escape(curve.label)}</text>'
        )
    return out


def _band_legend(curves: list[Curve], labels: Labels) -> list[str]:
    """The bands' legend, for the kinds some curve has."""
    kinds = [
        (kind, word)
        for kind, word, present in (
            ("nowcast", labels.nowcast, any(c.nowcast for c in curves)),
            ("forecast", labels.forecast, any(c.forecast for c in curves)),
        )
        if present
    ]
    words = (labels.median, labels.interval_50, labels.interval_90)
    return band_legend(kinds, words, left=LEFT, top=TOP)


def svg(
    curves: list[Curve],
    *,
    title: str,
    fmt_number: Format,
    fmt_date: DateFormat,
    labels: Labels | None = None,
    fmt_threshold: Format | None = None,
) -> str:
    """Draw curves: one as bars, several as lines; thresholds and alarms when given.

    Every period carries its values as an SVG ``<title>`` (a tooltip, and what
    ``static/chart.js`` shows beside the pointer), in the caller's formats and words;
    thresholds are written with ``fmt_threshold`` (default: ``fmt_number`` to one decimal).
    """
    labels = labels or Labels()
    formats = (fmt_number, fmt_threshold or (lambda v: fmt_number(round(v, 1))), fmt_date)
    periods = sorted(
        {d for c in curves for d, _ in c.points}
        | {r[0] for c in curves for r in (*c.nowcast, *c.forecast)}
    )
    values = [v for c in curves for _, v in c.points if v is not None]
    values += [v for c in curves for _, v in (c.threshold or []) if v is not None]
    values += [r[5] for c in curves for r in (*c.nowcast, *c.forecast)]
    marks = ticks(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    plot = _Plot(
        index={d: i for i, d in enumerate(periods)},
        slot=plot_w / max(len(periods), 1),
        ymax=marks[-1] or 1.0,
        plot_h=plot_h,
    )
    tips = {d: _tip(curves, d, formats, labels) for d in periods}
    out = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'class="tips" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    out += _axes(plot, marks, periods, fmt_number, fmt_date, labels)
    out += _hits(plot, periods, tips)
    out += _bars(plot, curves[0], tips) if len(curves) == 1 else _lines(plot, curves)
    for curve in curves:
        out += bands(plot, [("nowcast", curve.nowcast), ("forecast", curve.forecast)])
    for curve in curves:
        out += _marks(plot, curve)
    if len(curves) > 1:
        out += _legend(curves)
    out += _band_legend(curves, labels)
    out.append("</svg>")
    return "".join(out)


SPARK_WIDTH, SPARK_HEIGHT = 120, 32


def sparkline(
    weeks: list[tuple[date, int | None]],
    *,
    title: str,
    fmt_number: Format,
    fmt_date: DateFormat,
    labels: Labels | None = None,
) -> str:
    """A small bar chart of a few periods; a period not reported is an outlined stub, not zero.

    Each bar carries its period and value as ``<title>`` (shown on hover by ``chart.js``).
    """
    labels = labels or Labels()
    top = max((v for _, v in weeks if v is not None), default=0) or 1
    slot = SPARK_WIDTH / max(len(weeks), 1)
    base = SPARK_HEIGHT - 2
    parts = [
        f'<svg viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" role="img" class="spark tips" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    ]
    for i, (day, value) in enumerate(weeks):
        shown = labels.not_reported if value is None else fmt_number(value)
        height = 4.0 if value is None else max((base - 2) * value / top, 1.0)
        parts.append(
            f'<rect class="{"gap" if value is None else "bar"}" x="{i * slot + slot * 0.1:.1f}" '
            f'y="{base - height:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}">'
            f"<title>{escape(fmt_date(day))}: {escape(shown)}</title></rect>"
        )
    parts.append(f'<line class="base" x1="0" x2="{SPARK_WIDTH}" y1="{base}" y2="{base}"/></svg>')
    return "".join(parts)


def rate_edges(values: list[float | None]) -> list[float]:
    """A rate map's class limits: round values from 0 past the highest rate (2 to 5 classes)."""
    return ticks(max((v for v in values if v is not None), default=0.0))


def rate_class(value: float | None, edges: list[float]) -> int | None:
    """The class of ``value`` (edges[i] <= value < edges[i + 1]); None for a missing value."""
    if value is None:
        return None
    for i in range(len(edges) - 1):
        if value < edges[i + 1]:
            return i
    return len(edges) - 2
