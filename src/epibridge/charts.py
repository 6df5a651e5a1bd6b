"""Charts as SVG written on the server, for the web pages and the reports alike.

Hand-made SVG keeps both free of a plotting library and the browser of anything to fetch; HTML
and PDF show the same drawing. One escaping (``escape``) and one axis (``ticks``) serve every
chart. The web's curves carry classes (its Content-Security-Policy allows no inline styles, the
colours are in ``static/app.css``); the reports' curve and map carry their colours as
presentation attributes, since a PDF has no stylesheet of the UI. Nothing here imports the web
UI, so the reports can use it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from epibridge import maps

Format = Callable[[float], str]
DateFormat = Callable[[date], str]

WIDTH, HEIGHT = 900, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 64
PALETTE = ("#1f5f99", "#9a4d00", "#2e7d32", "#8b1a1a", "#5b3f8c", "#00695c", "#6d4c41", "#455a64")
RISK_COLOURS = {"very_high": "#8b0000", "high": "#d7301f", "moderate": "#fc8d59", "low": "#fdcc8a"}
STATUS_COLOURS = {"member": "#1f5f99", "observer": "#6fa8dc"}
STATUS_COLOURS.update(dialogue_partner="#b9d4ec", partner="#b9d4ec")


def escape(value: object) -> str:
    """Text for SVG content and quoted attributes: ``& < > " '`` escaped."""
    return html.escape(str(value), quote=True)


def ticks(top: float, *, whole: bool = False) -> list[float]:
    """Round axis values from 0 to at or above ``top``: steps of 1, 2, 2.5 or 5 times 10ⁿ.

    Each label is the exact value of its grid line; ``whole`` keeps to whole steps, for counts.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    factors: tuple[float, ...] = (1, 2, 2.5, 5, 10)
    if whole and magnitude <= 1:
        magnitude, factors = 1, (1, 2, 5, 10)
    step = next(m * magnitude for m in factors if m * magnitude >= raw)
    return [i * step for i in range(int(top // step) + 2) if i * step < top + step]


#: One period of an estimate drawn as a band: (period start, q05, q25, q50, q75, q95).
Quantiles = tuple[date, float, float, float, float, float]


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
        for word, band in ((labels.nowcast, curve.nowcast), (labels.forecast, curve.forecast)):
            row = next((b for b in band if b[0] == d), None)
            if row is not None:
                low, median, high = (fmt_number(round(row[i])) for i in (1, 3, 5))
                text += f" · {word} {median} ({labels.interval_90} {low}–{high})"
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


def _area(plot: _Plot, rows: tuple[Quantiles, ...], low: int, high: int) -> str:
    """A closed path between two quantiles of the rows (a band; a lone period is a bar)."""
    half = plot.slot * 0.3 if len(rows) == 1 else 0.0
    upper = [(plot.x(r[0]) + dx, plot.y(r[high])) for r in rows for dx in (-half, half)]
    lower = [(plot.x(r[0]) + dx, plot.y(r[low])) for r in reversed(rows) for dx in (half, -half)]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower) + " Z"


def _bands(plot: _Plot, curves: list[Curve]) -> list[str]:
    """Each curve's nowcast and forecast: 90% and 50% bands, and the median dashed over them."""
    out = []
    for curve in curves:
        for kind, rows in (("nowcast", curve.nowcast), ("forecast", curve.forecast)):
            rows = tuple(r for r in rows if r[0] in plot.index)
            if not rows:
                continue
            out.append(f'<g class="{kind}">')
            out.append(f'<path class="band90" d="{_area(plot, rows, 1, 5)}"/>')
            out.append(f'<path class="band50" d="{_area(plot, rows, 2, 4)}"/>')
            median = plot.path([(r[0], r[3]) for r in rows])
            if len(rows) == 1:
                x, y = plot.x(rows[0][0]), plot.y(rows[0][3])
                median = f"M{x - plot.slot * 0.3:.1f},{y:.1f} L{x + plot.slot * 0.3:.1f},{y:.1f}"
            out.append(f'<path class="median" d="{median}"/></g>')
    return out


def _band_legend(curves: list[Curve], labels: Labels) -> list[str]:
    """What the bands are, in the reader's words: nowcast and forecast, median, 50% and 90%."""
    kinds = [
        (kind, word)
        for kind, word, present in (
            ("nowcast", labels.nowcast, any(c.nowcast for c in curves)),
            ("forecast", labels.forecast, any(c.forecast for c in curves)),
        )
        if present
    ]
    if not kinds:
        return []
    out = ['<g class="band-legend">']
    y = TOP + 4
    for kind, word in kinds:
        x = LEFT + 10
        out.append(f'<text x="{x}" y="{y + 10}" class="label">{escape(word)}:</text>')
        x += 8 * len(word) + 14
        for cls, text in (
            ("median", labels.median),
            ("band50", labels.interval_50),
            ("band90", labels.interval_90),
        ):
            shape = (
                f'<path class="median" d="M{x},{y + 6} L{x + 18},{y + 6}"/>'
                if cls == "median"
                else f'<rect class="{cls}" x="{x}" y="{y}" width="18" height="12"/>'
            )
            out.append(f'<g class="{kind}">{shape}</g>')
            out.append(f'<text x="{x + 22}" y="{y + 10}">{escape(text)}</text>')
            x += 22 + 7 * len(text) + 16
        y += 18
    out.append("</g>")
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
    out += _bands(plot, curves)
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


# The reports' weekly curve: a dozen bars, the report week dark, alarm weeks marked.
WEEKLY_WIDTH, WEEKLY_HEIGHT = 640, 220
W_LEFT, W_RIGHT, W_TOP, W_BOTTOM = 48, 12, 14, 34


def weekly_svg(
    weeks: list[tuple[date, int | None]],
    *,
    alarm_weeks: set[date],
    title: str,
    label: DateFormat,
    number: Format,
) -> str:
    """Bars of weekly totals; the last (report) week dark, alarm weeks marked with a triangle."""
    marks = ticks(max((v or 0 for _, v in weeks), default=0), whole=True)
    top = marks[-1]
    plot_w, plot_h = WEEKLY_WIDTH - W_LEFT - W_RIGHT, WEEKLY_HEIGHT - W_TOP - W_BOTTOM
    slot = plot_w / max(len(weeks), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WEEKLY_WIDTH} {WEEKLY_HEIGHT}" '
        f'role="img" class="curve">',
        f"<title>{escape(title)}</title>",
    ]
    for value in marks:
        y = W_TOP + plot_h - plot_h * value / top
        parts.append(
            f'<line x1="{W_LEFT}" x2="{WEEKLY_WIDTH - W_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="0.6"/>'
            f'<text x="{W_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#444">{escape(number(value))}</text>'
        )
    for i, (monday, value) in enumerate(weeks):
        x = W_LEFT + i * slot + slot * 0.15
        width = slot * 0.7
        if value is not None:
            height = plot_h * value / top
            fill = "#1f5f99" if i == len(weeks) - 1 else "#8fb4d9"
            parts.append(
                f'<rect x="{x:.1f}" y="{W_TOP + plot_h - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{fill}"/>'
            )
        if monday in alarm_weeks:
            parts.append(
                f'<path d="M{x + width / 2 - 6:.1f},{W_TOP + 9} l6,-9 l6,9 z" fill="#d7301f" '
                f'stroke="#ffffff" stroke-width="0.8"/>'
            )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{WEEKLY_HEIGHT - W_BOTTOM + 14}" '
            f'text-anchor="middle" font-size="9" fill="#444">{escape(label(monday))}</text>'
        )
    parts.append(
        f'<line x1="{W_LEFT}" x2="{WEEKLY_WIDTH - W_RIGHT}" y1="{W_TOP + plot_h}" '
        f'y2="{W_TOP + plot_h}" stroke="#444" stroke-width="0.8"/></svg>'
    )
    return "".join(parts)


def map_svg(
    statuses: dict[str, str | None],
    names: dict[str, str],
    risks: dict[str, list[str]],
    *,
    focus: str | None,
    title: str,
) -> str:
    """The organization's states from the offline Natural Earth shapes, with their events."""
    shapes = maps.shapes(statuses, names, risks)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{maps.view_box()}" '
        f'role="img" class="map"><title>{escape(title)}</title>'
    ]
    for s in shapes:
        fill = STATUS_COLOURS.get(s.status or "", "#e4e4e4")
        parts.append(
            f'<path d="{s.path}" fill="{fill}" stroke="#ffffff" stroke-width="0.6">'
            f"<title>{escape(s.name)}</title></path>"
        )
    # The focused state's outline goes over every neighbour's, so its whole border shows.
    parts.extend(
        f'<path d="{s.path}" fill="none" stroke="#000000" stroke-width="1.8"/>'
        for s in shapes
        if focus and s.iso3 == focus
    )
    for s in shapes:
        if not s.events:
            continue
        colour = RISK_COLOURS.get(s.risk or "", "#9e9e9e")
        parts.append(
            f'<circle cx="{s.cx}" cy="{s.cy}" r="{11 + min(s.events, 6)}" fill="{colour}" '
            f'stroke="#ffffff" stroke-width="1.5"/><text x="{s.cx}" y="{s.cy + 5}" '
            f'text-anchor="middle" font-size="14" font-weight="bold" fill="#ffffff">'
            f"{s.events}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


BARS_WIDTH, BARS_HEIGHT = 640, 240


def grouped_bars(
    groups: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    title: str,
    fmt_number: Format,
    y_label: str = "",
) -> str:
    """Bars side by side per group (a score by delay, for a method and its baseline).

    Each bar carries its series, group and value as ``<title>`` (shown on hover by
    ``chart.js``); a missing value draws no bar. Colours are classes ``s0``, ``s1``, ...
    """
    values = [v for _, row in series for v in row if v is not None]
    marks = ticks(max(values, default=0.0))
    top = marks[-1] or 1.0
    left, bottom, upper = 56, 40, 12
    plot_w, plot_h = BARS_WIDTH - left - 8, BARS_HEIGHT - upper - bottom
    slot = plot_w / max(len(groups), 1)
    bar = slot * 0.8 / max(len(series), 1)
    out = [
        f'<svg viewBox="0 0 {BARS_WIDTH} {BARS_HEIGHT}" role="img" class="tips bars" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title><g class="grid">'
    ]
    for mark in marks:
        y = upper + plot_h - plot_h * mark / top
        out.append(
            f'<line x1="{left}" x2="{BARS_WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt_number(mark))}'
            "</text>"
        )
    out.append("</g>")
    for g, group in enumerate(groups):
        x0 = left + g * slot + slot * 0.1
        for s, (name, row) in enumerate(series):
            value = row[g] if g < len(row) else None
            if value is None:
                continue
            height = plot_h * value / top
            out.append(
                f'<rect class="s{s}" x="{x0 + s * bar:.1f}" y="{upper + plot_h - height:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}"><title>{escape(name)}, '
                f"{escape(group)}: {escape(fmt_number(value))}</title></rect>"
            )
        out.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{upper + plot_h + 14}" '
            f'text-anchor="middle">{escape(group)}</text>'
        )
    for s, (name, _) in enumerate(series):
        lx = left + s * 200
        out.append(
            f'<rect class="s{s}" x="{lx}" y="{BARS_HEIGHT - 14}" width="12" height="12"/>'
            f'<text x="{lx + 16}" y="{BARS_HEIGHT - 4}">{escape(name)}</text>'
        )
    if y_label:
        out.append(f'<text class="label" x="{left}" y="{upper - 2}">{escape(y_label)}</text>')
    out.append("</svg>")
    return "".join(out)
