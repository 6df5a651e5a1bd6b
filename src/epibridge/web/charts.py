"""Epidemic curves as server-rendered SVG: no chart library, nothing for the browser to fetch.

One state is drawn as bars, several as lines; thresholds (a line) and alarms (marks over the
bars) are drawn when the caller passes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44
PALETTE = ("#1f5f99", "#9a4d00", "#2e7d32", "#8b1a1a", "#5b3f8c", "#00695c", "#6d4c41", "#455a64")


@dataclass(frozen=True)
class Curve:
    label: str
    points: list[tuple[date, float | None]]
    threshold: list[tuple[date, float | None]] | None = None
    alarms: frozenset[date] = frozenset()


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks, value = [], 0.0
    while value < top + step:
        ticks.append(value)
        value += step
    return ticks


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


def _axes(plot: _Plot, ticks: list[float], periods: list[date], fmt_number, fmt_date) -> list[str]:  # type: ignore[no-untyped-def]
    """The horizontal grid lines, the value labels and (at most about ten) period labels."""
    out = ['<g class="grid">']
    for t in ticks:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{plot.y(t):.1f}" y2="{plot.y(t):.1f}"/>'
        )
    out.append('</g><g class="axis">')
    for t in ticks:
        label = _esc(fmt_number(t))
        out.append(f'<text x="{LEFT - 6}" y="{plot.y(t) + 4:.1f}" text-anchor="end">{label}</text>')
    label_every = max(1, max(len(periods), 1) // 10)
    for d in periods[::label_every]:
        out.append(
            f'<text x="{plot.x(d):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
            f"{_esc(fmt_date(d))}</text>"
        )
    out.append("</g>")
    return out


def _bars(plot: _Plot, curve: Curve, fmt_number, fmt_date) -> list[str]:  # type: ignore[no-untyped-def]
    bar = max(plot.slot * 0.8, 1.0)
    return [
        f'<rect class="bar" x="{plot.x(d) - bar / 2:.1f}" y="{plot.y(v):.1f}" width="{bar:.1f}" '
        f'height="{max(plot.y(0) - plot.y(v), 0):.1f}"><title>{_esc(fmt_date(d))}: '
        f"{_esc(fmt_number(v))}</title></rect>"
        for d, v in curve.points
        if v is not None
    ]


def _lines(plot: _Plot, curves: list[Curve]) -> list[str]:
    out = []
    for i, curve in enumerate(curves):
        # A class per palette entry (static/app.css), not a style attribute: the page's
        # Content-Security-Policy allows no inline styles.
        colour = i % len(PALETTE)
        path = plot.path(curve.points)
        if path:
            out.append(f'<path class="line c{colour}" d="{path}"/>')
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
            f'<text x="{lx + 16}" y="{HEIGHT - 6}">{_esc(curve.label)}</text>'
        )
    return out


def svg(curves: list[Curve], *, title: str, fmt_number, fmt_date) -> str:  # type: ignore[no-untyped-def]
    """Render the curves into one ``<svg>`` with axes, a legend and a title for screen readers."""
    periods = sorted({d for c in curves for d, _ in c.points})
    values = [v for c in curves for _, v in c.points if v is not None]
    values += [v for c in curves for _, v in (c.threshold or []) if v is not None]
    top = max(values, default=0.0)
    ticks = _ticks(top)
    ymax = ticks[-1] or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(periods), 1)
    plot = _Plot(
        index={d: i for i, d in enumerate(periods)}, slot=plot_w / n, ymax=ymax, plot_h=plot_h
    )
    out = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_esc(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{_esc(title)}</title>",
    ]
    out += _axes(plot, ticks, periods, fmt_number, fmt_date)
    if len(curves) == 1:
        out += _bars(plot, curves[0], fmt_number, fmt_date)
    else:
        out += _lines(plot, curves)
    for curve in curves:
        out += _marks(plot, curve)
    if len(curves) > 1:
        out += _legend(curves)
    out.append("</svg>")
    return "".join(out)


def _esc(value: object) -> str:
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
