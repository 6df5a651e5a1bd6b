"""The map of the organization's region: its frame and projection, and the country shapes.

One place for the geometry the dashboard, the borders page and the reports draw: the asset
(``web/static/map/shapes.json``, built by ``python -m epibridge.web.mapbuild`` with
``project``) and ``place`` for a point put on it. Rendering on the server keeps pages free of
map libraries and tile requests. Nothing here imports the web UI, so the reports can use it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHAPES = Path(__file__).parent / "web" / "static" / "map" / "shapes.json"
RISK_ORDER = ("very_high", "high", "moderate", "low")
#: The frame: from Egypt in the west to Chukotka in the east, the Maldives to the Arctic coast.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 20.0, 191.0, -3.0, 78.0
WIDTH = 1000.0
_KX = math.cos(math.radians(40.0))

Point = tuple[float, float]


def scale() -> float:
    """Map units per degree of latitude (longitudes are scaled by cos 40° on top)."""
    return WIDTH / ((LON_MAX - LON_MIN) * _KX)


def project(lon: float, lat: float) -> Point:
    """Equirectangular, longitudes scaled by cos 40°: map units from the frame's top left."""
    factor = scale()
    return ((lon - LON_MIN) * _KX * factor, (LAT_MAX - lat) * factor)


def place(longitude: float, latitude: float) -> Point:
    """Where a point goes on the map, to 0.1 unit; west of the frame continues past 180°.

    Chukotka's shapes are drawn east of 180° (longitudes + 360), and so are points there.
    """
    lon = longitude if longitude >= LON_MIN else longitude + 360.0
    x, y = project(lon, latitude)
    return round(x, 1), round(y, 1)


#: Radius of a point marker (a border crossing) at the default zoom, in map units.
DOT_RADIUS = 6.0
#: Space kept between two markers set aside, in map units.
DOT_GAP = 1.0
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def spread(points: list[Point], radius: float = DOT_RADIUS, gap: float = DOT_GAP) -> list[Point]:
    """Move markers apart until none hides another; each stays as near its place as it can.

    Crossings a few kilometres apart (the road and the rail post at Khorgos, the two bridges at
    Blagoveshchensk) fall on one spot at the map's scale. Overlapping markers are pushed apart
    pairwise, a little at a time, until their centres are two radii and a gap apart; markers on
    the very same spot start apart along the golden angle, so the result does not depend on
    the order of floating-point ties. The page draws a line from a moved marker to its place.
    """
    wanted = 2 * radius + gap
    moved = [[x, y] for x, y in points]
    for _ in range(200):
        clear = True
        for i in range(len(moved)):
            for j in range(i + 1, len(moved)):
                dx, dy = moved[j][0] - moved[i][0], moved[j][1] - moved[i][1]
                distance = math.hypot(dx, dy)
                if distance >= wanted - 1e-9:
                    continue
                clear = False
                if distance < 1e-9:
                    angle = (i + j) * _GOLDEN_ANGLE
                    dx, dy, distance = math.cos(angle), math.sin(angle), 1.0
                push = (wanted - distance) / 2 * 1.01 / distance
                moved[i][0] -= dx * push
                moved[i][1] -= dy * push
                moved[j][0] += dx * push
                moved[j][1] += dy * push
        if clear:
            break
    return [(round(x, 1), round(y, 1)) for x, y in moved]


@dataclass(frozen=True)
class MapShape:
    iso3: str
    path: str
    status: str | None  # member, observer, dialogue_partner, partner or None (not in the profile)
    name: str
    risk: str | None  # the highest risk level among the state's active events
    events: int
    cx: float
    cy: float


@cache
def _document() -> dict:
    return json.loads(SHAPES.read_text(encoding="utf-8"))


def view_box() -> str:
    return _document()["viewBox"]


def _centre(path: str) -> tuple[float, float]:
    """The centre of the largest ring's bounding box: where the event marker goes."""
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    for ring in re.findall(r"M[^M]+", path):
        head, _, rest = ring[1:].partition("l")
        x, y = (float(v) for v in head.split(","))
        xs, ys = [x], [y]
        for step in rest.rstrip("z").split():
            dx, dy = (float(v) for v in step.split(","))
            x, y = x + dx, y + dy
            xs.append(x)
            ys.append(y)
        area = (max(xs) - min(xs)) * (max(ys) - min(ys))
        if area > best[0]:
            best = (area, (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    return best[1], best[2]


@cache
def _outlines() -> tuple[tuple[str, str, float, float], ...]:
    """Each country's path with its marker position, computed once per process."""
    return tuple((iso3, path, *_centre(path)) for iso3, path in _document()["shapes"].items())


def shapes(
    statuses: dict[str, str | None], names: dict[str, str], risks: dict[str, list[str]]
) -> list[MapShape]:
    """Every country in the frame; states of the profile carry their status and events."""
    out = []
    for iso3, path, cx, cy in _outlines():
        levels = [r for r in risks.get(iso3, []) if r]
        top = next((r for r in RISK_ORDER if r in levels), None)
        out.append(
            MapShape(
                iso3=iso3,
                path=path,
                status=statuses.get(iso3),
                name=names.get(iso3, iso3),
                risk=top,
                events=len(risks.get(iso3, [])),
                cx=round(cx, 1),
                cy=round(cy, 1),
            )
        )
    # Profile states last, so their outlines are drawn over their neighbours'.
    return sorted(out, key=lambda s: (s.status is not None, s.iso3))
