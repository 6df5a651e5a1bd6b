"""The reports' two charts, the weekly curve and the map, coloured by presentation attributes.

A PDF has no stylesheet of the UI, so these carry their colours themselves, unlike the web's
curves (classes, coloured by ``static/app.css``). Reached as ``epibridge.charts.weekly_svg``
and ``epibridge.charts.map_svg``; they draw with the one escaping and axis of ``chart_basics``.
"""

from __future__ import annotations

from datetime import date

from epibridge import maps
from epibridge.chart_basics import RISK_COLOURS, STATUS_COLOURS, DateFormat, Format, escape, ticks

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
