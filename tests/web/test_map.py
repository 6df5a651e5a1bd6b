"""The map asset covers every state of the shipped profile, and the builder decodes TopoJSON,
continues shapes across the antimeridian and keeps tiny island states visible; crossing dots
are set apart so none hides another."""

from __future__ import annotations

import itertools
import json
import math
import re

from sqlalchemy.orm import Session, sessionmaker

from epibridge import maps
from epibridge.borders import service as borders
from epibridge.db import write_session
from epibridge.members.service import read_profile
from epibridge.web import mapbuild
from tests.helpers import OPERATOR, make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_every_profile_state_has_a_shape() -> None:
    document = json.loads(maps.SHAPES.read_text(encoding="utf-8"))
    codes = {state.iso3 for state in read_profile("sco").states}
    assert codes <= set(document["shapes"]), codes - set(document["shapes"])
    assert "Natural Earth" in document["source"]
    assert maps.SHAPES.stat().st_size < 100_000
    for path in document["shapes"].values():
        assert re.fullmatch(r"(M-?\d+,-?\d+l(-?\d+,-?\d+ ?)+z)+", path), path[:80]


def _topology(arcs: list[list[list[int]]], geometries: list[dict]) -> dict:
    return {
        "type": "Topology",
        "transform": {"scale": [1.0, 1.0], "translate": [0.0, 0.0]},
        "arcs": arcs,
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
    }


def test_builder_projects_simplifies_and_wraps() -> None:
    # Delta-encoded arcs: a 10x10 degree square in Kazakhstan's area, a ring crossing the
    # antimeridian (170°E to -175°) for Russia, and a speck for Bahrain.
    square = [[60, 40], [10, 0], [0, 10], [-10, 0], [0, -10]]
    across = [[170, 60], [10, 0], [-360, 0], [5, 0], [0, 5], [-5, 0], [360, 0], [-10, 0], [0, -5]]
    speck = [[50, 26], [0, 0], [0, 0], [0, 0]]
    document = mapbuild.build(
        _topology(
            [square, across, speck],
            [
                {"type": "Polygon", "id": "398", "arcs": [[0]]},
                {"type": "Polygon", "id": "643", "arcs": [[1]]},
                {"type": "Polygon", "id": "048", "arcs": [[2]]},
                {"type": "Polygon", "id": "840", "arcs": [[~0]]},
                {"type": "Polygon", "arcs": [[0]]},
            ],
        )
    )
    shapes = document["shapes"]
    assert set(shapes) == {"KAZ", "RUS", "BHR", "USA"}
    width, height = (float(v) for v in document["viewBox"].split()[2:])
    assert width == 1000 and 0 < height < width

    def points(path: str) -> list[tuple[int, int]]:
        head, _, rest = path[1:].rstrip("z").partition("l")
        x, y = (int(v) for v in head.split(","))
        out = [(x, y)]
        for step in rest.split():
            dx, dy = (int(v) for v in step.split(","))
            x, y = x + dx, y + dy
            out.append((x, y))
        return out

    kaz = points(shapes["KAZ"])
    assert len(kaz) == 5 and kaz[0] == kaz[-1]  # a square stays a square
    rus = points(shapes["RUS"])
    # The ring continues east past 180° instead of jumping back across the whole map.
    assert max(x for x, _ in rus) - min(x for x, _ in rus) < 150
    assert min(x for x, _ in rus) > 800
    assert shapes["BHR"].startswith("M") and len(points(shapes["BHR"])) == 4  # a marker


def test_points_land_where_the_shapes_are() -> None:
    """``place`` is the projection of the asset: a city falls inside its state's shape."""
    shapes = {s.iso3: s for s in maps.shapes({}, {}, {})}

    def box(iso3: str) -> tuple[float, float, float, float]:
        xs, ys = [], []
        for ring in re.findall(r"M[^M]+", shapes[iso3].path):
            head, _, rest = ring[1:].partition("l")
            x, y = (float(v) for v in head.split(","))
            xs.append(x)
            ys.append(y)
            for step in rest.rstrip("z").split():
                dx, dy = (float(v) for v in step.split(","))
                x, y = x + dx, y + dy
                xs.append(x)
                ys.append(y)
        return min(xs), max(xs), min(ys), max(ys)

    for iso3, (lon, lat) in {
        "KAZ": (76.95, 43.25),  # Almaty
        "CHN": (116.40, 39.90),  # Beijing
        "RUS": (-172.0, 66.0),  # Chukotka, west of 180°: drawn east of it like its shape
    }.items():
        x, y = maps.place(lon, lat)
        x0, x1, y0, y1 = box(iso3)
        assert x0 <= x <= x1 and y0 <= y <= y1, (iso3, x, y)
    assert maps.place(76.95, 43.25) == tuple(round(v, 1) for v in maps.project(76.95, 43.25))


def test_spread_sets_overlapping_markers_apart_and_leaves_the_others() -> None:
    lone, twin_a, twin_b = (100.0, 100.0), (300.0, 200.0), (300.0, 200.0)
    near = (305.0, 203.0)
    out = maps.spread([lone, twin_a, twin_b, near])
    assert out[0] == lone  # nothing near it: it stays where it is
    for i, j in itertools.combinations(range(4), 2):
        assert math.dist(out[i], out[j]) >= 2 * maps.DOT_RADIUS, (i, j, out)
    # Each moved marker stays near its place (a few radii at most).
    for before, after in zip([lone, twin_a, twin_b, near], out, strict=True):
        assert math.dist(before, after) < 3 * maps.DOT_RADIUS
    assert maps.spread([twin_a, twin_b]) == maps.spread([twin_a, twin_b])  # deterministic


def test_no_crossing_dot_hides_another(live_url: str, sessions: sessionmaker[Session]) -> None:
    """At the default zoom, read from the page's SVG: no two dot centres closer than the sum of
    their radii (so none is even partly covered), and each moved dot has its line home."""
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    html = _sign_in(live_url, "fp-kaz").get("/borders").text
    dots = [
        {k: float(v) for k, v in re.findall(r'(cx|cy|r|data-x|data-y)="([-\d.]+)"', tag)}
        for tag in re.findall(r"<circle class=\"xing [^>]*>", html)
    ]
    assert len(dots) == len(borders.read_registry()) == 27
    for a, b in itertools.combinations(dots, 2):
        assert math.dist((a["cx"], a["cy"]), (b["cx"], b["cy"])) >= a["r"] + b["r"], (a, b)
    # The registry has crossings on one spot (Khorgos road and rail): some dots were moved,
    # each with a leader line from its true place.
    moved = [d for d in dots if (d["cx"], d["cy"]) != (d["data-x"], d["data-y"])]
    assert moved and html.count('<line class="leader"') == len(moved)
    unmoved = [(d["data-x"], d["data-y"]) for d in dots]
    assert any(
        math.dist(p, q) < maps.DOT_RADIUS for p, q in itertools.combinations(unmoved, 2)
    )  # without spreading they would overlap: the test can fail
