"""Build the dashboard map's country shapes once, from Natural Earth via npm's world-atlas.

The page must work offline, so the shapes are a static asset (``static/map/shapes.json``) made
from a registry package instead of a tile server or CDN: ``python -m epibridge.web.mapbuild``
fetches ``world-atlas`` with ``npm pack`` (or reads a ``countries-50m.json`` given as argument),
decodes its TopoJSON, projects the region around the organization's states with
``epibridge.maps.project`` (equirectangular, longitudes scaled by cos 40°), simplifies each
ring (Douglas-Peucker, 0.6 px on a 1000 px wide map; whole-pixel relative coordinates; islands
under 2 px dropped unless a state has no other) and writes one SVG path per ISO 3166-1 alpha-3
code. The output is committed, so serving
never needs npm; rerun this to refresh it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pycountry

from epibridge.maps import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, SHAPES, WIDTH, Point, project, scale

WORLD_ATLAS = "world-atlas@2.0.2"
OUTPUT = SHAPES
TOLERANCE = 0.6


def _decode_arcs(topology: dict) -> list[list[Point]]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[Point]], indices: list[int]) -> list[Point]:
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


def _simplify(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        best, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            if distance > best:
                best, index = distance, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _polygon_path(rings: list[list[Point]]) -> str:
    lons = [lon for lon, _ in rings[0]]
    if max(lons) > 150.0 and min(lons) < -150.0:
        # A ring that crosses the antimeridian: continue it eastwards past 180°.
        rings = [[(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in r] for r in rings]
        lons = [lon for lon, _ in rings[0]]
    shift = 360.0 if max(lons) < -150.0 else 0.0  # wholly east of the antimeridian (Chukotka)
    if max(lons) + shift < LON_MIN or min(lons) + shift > LON_MAX:
        return ""
    lats = [lat for _, lat in rings[0]]
    if max(lats) < LAT_MIN or min(lats) > LAT_MAX:
        return ""
    parts = []
    for ring in rings:
        projected = [project(lon + shift, lat) for lon, lat in ring]
        xs = [x for x, _ in projected]
        ys = [y for _, y in projected]
        if max(xs) - min(xs) < 2 and max(ys) - min(ys) < 2:
            continue
        # A closed ring starts and ends on one point: simplify its two halves, split at the
        # point farthest from the start, so Douglas-Peucker has a real base line.
        x0, y0 = projected[0]
        far = max(range(len(projected)), key=lambda i: math.hypot(xs[i] - x0, ys[i] - y0))
        simple = _simplify(projected[: far + 1], TOLERANCE)[:-1] + _simplify(
            projected[far:], TOLERANCE
        )
        if len(simple) >= 4:
            parts.append(_relative(simple))
    return "".join(parts)


def _relative(points: list[Point]) -> str:
    rounded = [(round(x), round(y)) for x, y in points]
    (x0, y0), out = rounded[0], [f"M{rounded[0][0]},{rounded[0][1]}"]
    for x, y in rounded[1:]:
        if (x, y) != (x0, y0):
            out.append(f"{x - x0},{y - y0}")
            x0, y0 = x, y
    return out[0] + "l" + " ".join(out[1:]) + "z"


def _marker(rings: list[list[Point]]) -> str:
    """A small diamond for a state whose every island is under 2 px (Bahrain, the Maldives)."""
    x, y = project(*rings[0][0])
    x, y = round(x), round(y)
    return f"M{x},{y - 2}l2,2 -2,2 -2,-2z"


def build(topology: dict) -> dict:
    """Return the map document: a viewBox and one SVG path per alpha-3 code in the frame."""
    arcs = _decode_arcs(topology)
    shapes: dict[str, str] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=str(geometry.get("id", "")).zfill(3))
        if country is None or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else list(geometry["arcs"])
        path = "".join(
            _polygon_path([_ring(arcs, ring) for ring in polygon]) for polygon in polygons
        )
        if not path and polygons:
            first = [_ring(arcs, ring) for ring in polygons[0]]
            inside = LON_MIN <= first[0][0][0] <= LON_MAX and LAT_MIN <= first[0][0][1] <= LAT_MAX
            path = _marker(first) if inside else ""
        if path:
            shapes[country.alpha_3] = path
    height = (LAT_MAX - LAT_MIN) * scale()
    return {
        "source": f"Natural Earth 1:50m via the npm package {WORLD_ATLAS} (public domain / ISC)",
        "viewBox": f"0 0 {WIDTH:.0f} {height:.0f}",
        "shapes": dict(sorted(shapes.items())),
    }


def _fetch() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", WORLD_ATLAS, "--silent"], cwd=tmp, check=True)
        archive = next(Path(tmp).glob("world-atlas-*.tgz"))
        with tarfile.open(archive) as tar:
            member = tar.extractfile("package/countries-50m.json")
            if member is None:
                raise RuntimeError("world-atlas has no countries-50m.json")
            return json.load(member)


def main(argv: list[str]) -> None:
    topology = json.loads(Path(argv[0]).read_text()) if argv else _fetch()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(build(topology), separators=(",", ":")) + "\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
