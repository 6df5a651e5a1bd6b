"""The estimate bands of a curve (nowcast and forecast) and grouped bars (a backtest's scores).

Kept beside ``charts`` so that the curve module stays readable; ``charts`` re-exports what a
caller needs. A band is drawn from rows of quantiles, one per period:
``(period start, q05, q25, q50, q75, q95)``; the 90% band, the 50% band over it, and the median
dashed on top, each a class the UI's stylesheet colours (no inline styles under the CSP).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from epibridge.chart_basics import Format, escape, ticks

#: One period of an estimate drawn as a band: (period start, q05, q25, q50, q75, q95).
Quantiles = tuple[date, float, float, float, float, float]


class Placing(Protocol):
    """Where a period and a value land (``charts._Plot``)."""

    index: dict[date, int]
    slot: float

    def x(self, d: date) -> float: ...

    def y(self, v: float) -> float: ...

    def path(self, points: list[tuple[date, float | None]]) -> str: ...


def _area(plot: Placing, rows: tuple[Quantiles, ...], low: int, high: int) -> str:
    """A closed path between two quantiles of the rows (a band; a lone period is a bar)."""
    half = plot.slot * 0.3 if len(rows) == 1 else 0.0
    upper = [(plot.x(r[0]) + dx, plot.y(r[high])) for r in rows for dx in (-half, half)]
    lower = [(plot.x(r[0]) + dx, plot.y(r[low])) for r in reversed(rows) for dx in (half, -half)]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower) + " Z"


def bands(plot: Placing, estimates: list[tuple[str, tuple[Quantiles, ...]]]) -> list[str]:
    """Each estimate (``("nowcast", rows)``, ``("forecast", rows)``): 90% and 50% bands, and the
    median dashed over them."""
    out = []
    for kind, all_rows in estimates:
        rows = tuple(r for r in all_rows if r[0] in plot.index)
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


def band_legend(
    kinds: list[tuple[str, str]], words: tuple[str, str, str], *, left: float, top: float
) -> list[str]:
    """What the bands are, in the reader's words: each kind (class, word) with its median, 50%
    and 90% interval (``words``)."""
    if not kinds:
        return []
    out = ['<g class="band-legend">']
    y = top + 4
    for kind, word in kinds:
        x = left + 10
        out.append(f'<text x="{x}" y="{y + 10}" class="label">{escape(word)}:</text>')
        x += 8 * len(word) + 14
        for cls, text in zip(("median", "band50", "band90"), words, strict=True):
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


def band_tip(word: str, rows: tuple[Quantiles, ...], d: date, interval: str, fmt: Format) -> str:
    """`` · nowcast 12 (90% interval 8–17)`` for the period ``d``, or nothing."""
    row = next((b for b in rows if b[0] == d), None)
    if row is None:
        return ""
    low, median, high = (fmt(round(row[i])) for i in (1, 3, 5))
    return f" · {word} {median} ({interval} {low}–{high})"


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
