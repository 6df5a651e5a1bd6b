"""Epidemic curves and the map as SVG drawn on the server, so HTML and PDF show the same chart.

Hand-made SVG keeps the reports free of a plotting library: a curve is a dozen bars.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from epibridge import maps

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 34
RISK_COLOURS = {
    "very_high": "#8b0000",
    "high": "#d7301f",
    "moderate": "#fc8d59",
    "low": "#fdcc8a",
}
STATUS_COLOURS = {
    "member": "#1f5f99",
    "observer": "#6fa8dc",
    "dialogue_partner": "#b9d4ec",
    "partner": "#b9d4ec",
}


def _top(value: int) -> int:
    """A round axis maximum at or above ``value``."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def curve_svg(
    weeks: list[tuple[date, int | None]],
    *,
    alarm_weeks: set[date],
    title: str,
    label: Callable[[date], str],
    number: Callable[[int], str],
) -> str:
    """Bars of weekly totals; the last (report) week dark, alarm weeks marked with a triangle."""
    top = _top(max((v or 0 for _, v in weeks), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(weeks), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="curve">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="0.6"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#444">{escape(number(round(value)))}</text>'
        )
    for i, (monday, value) in enumerate(weeks):
        x = LEFT + i * slot + slot * 0.15
        width = slot * 0.7
        last = i == len(weeks) - 1
        if value is not None:
            height = plot_h * value / top
            fill = "#1f5f99" if last else "#8fb4d9"
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{fill}"/>'
            )
        if monday in alarm_weeks:
            cx = x + width / 2
            parts.append(
                f'<path d="M{cx - 6:.1f},{TOP + 9} l6,-9 l6,9 z" fill="#d7301f" '
                f'stroke="#ffffff" stroke-width="0.8"/>'
            )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
            f'font-size="9" fill="#444">{escape(label(monday))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="#444" stroke-width="0.8"/></svg>'
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
    """The organization's states from the web UI's Natural Earth shapes, with the week's events."""
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
        radius = 11 + min(s.events, 6)
        parts.append(
            f'<circle cx="{s.cx}" cy="{s.cy}" r="{radius}" fill="{colour}" stroke="#ffffff" '
            f'stroke-width="1.5"/><text x="{s.cx}" y="{s.cy + 5}" text-anchor="middle" '
            f'font-size="14" font-weight="bold" fill="#ffffff">{s.events}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
