"""The one chart module: text is escaped in every chart, axis labels are the grid's values, and
the reports draw without importing the web UI."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from epibridge import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Cases <script>&\"' (synthetic)"
MONDAYS = [date(2024, 3, 4) + timedelta(weeks=i) for i in range(4)]
SRC = Path(charts.__file__).parent


def _web(curves: int) -> str:
    return charts.svg(
        [
            charts.Curve(label=HOSTILE, points=[(d, float(i + n)) for i, d in enumerate(MONDAYS)])
            for n in range(curves)
        ],
        title=HOSTILE,
        fmt_number=lambda v: f"{v:g}<",
        fmt_date=lambda d: f"{d:%d.%m}&",
    )


DRAWINGS = {
    "web bars": lambda: _web(1),
    "web lines": lambda: _web(2),
    "sparkline": lambda: charts.sparkline(
        list(zip(MONDAYS, [3, None, 25, 7], strict=True)),
        title=HOSTILE,
        fmt_number=lambda v: f"{v:g}<",
        fmt_date=lambda d: f"{d:%d.%m}&",
        labels=charts.Labels(not_reported=HOSTILE),
    ),
    "report curve": lambda: charts.weekly_svg(
        list(zip(MONDAYS, [3, None, 25, 7], strict=True)),
        alarm_weeks={MONDAYS[2]},
        title=HOSTILE,
        label=lambda d: f"W{d.isocalendar()[1]}<",
        number=lambda v: f"{v:g}&",
    ),
    "report map": lambda: charts.map_svg(
        {"KAZ": "member"}, {"KAZ": HOSTILE}, {"KAZ": ["high"]}, focus="KAZ", title=HOSTILE
    ),
}


@pytest.mark.parametrize("name", list(DRAWINGS))
def test_text_is_escaped_in_every_chart(name: str) -> None:
    drawing = DRAWINGS[name]()
    root = ET.fromstring(drawing)  # well-formed XML: nothing broke out of text or attributes
    assert root.findtext(f"{SVG}title") == HOSTILE
    assert "<script>" not in drawing and "&lt;script&gt;&amp;&quot;&#x27;" in drawing
    if root.get("aria-label") is not None:
        assert root.get("aria-label") == HOSTILE
    # Labels from the callers are escaped as well: they come back as given.
    texts = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    texts |= {t.text or "" for t in root.iter(f"{SVG}title")}
    assert name == "report map" or any(t.endswith(("<", "&")) for t in texts)


def test_axis_labels_are_the_values_of_their_grid_lines() -> None:
    """The reports rounded quarter steps of a round maximum: a line at 6.25 was labelled 6."""
    labelled: list[float] = []
    charts.weekly_svg(
        list(zip(MONDAYS, [3, 1, 25, 7], strict=True)),
        alarm_weeks=set(),
        title="t",
        label=str,
        number=lambda v: labelled.append(v) or str(v),
    )
    assert labelled == [0, 10, 20, 30]
    assert charts.ticks(2, whole=True) == [0, 1, 2]
    assert charts.ticks(10) == [0, 2.5, 5, 7.5, 10]
    assert charts.ticks(0) == [0, 1]
    for top in (0.07, 3, 9, 41, 1234, 99_999):
        for whole in (False, True):
            marks = charts.ticks(top, whole=whole)
            step = marks[1] - marks[0]
            assert marks[0] == 0 and marks[-1] >= top > marks[-2], (top, marks)
            assert all(abs(b - a - step) < 1e-9 for a, b in pairwise(marks))
            assert not whole or all(float(m).is_integer() for m in marks)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_reports_email_and_the_shared_pieces_do_not_import_the_web_ui() -> None:
    modules = [
        *sorted((SRC / "reports").rglob("*.py")),
        *sorted((SRC / "notifications").rglob("*.py")),
    ]
    modules += [*sorted(SRC.glob("chart*.py")), SRC / "maps.py", SRC / "i18n.py"]
    offenders = {
        str(path.relative_to(SRC)): sorted(
            m for m in _imports(path) if re.match(r"epibridge\.web\b", m)
        )
        for path in modules
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_every_period_says_its_values_in_the_callers_words() -> None:
    """The hover text of a period: its date, each curve's value, threshold and alarm."""
    drawing = charts.svg(
        [
            charts.Curve(
                label="Kazakhstan",
                points=[(MONDAYS[0], 3.0), (MONDAYS[1], None), (MONDAYS[2], 25.0)],
                threshold=[(MONDAYS[2], 9.96)],
                alarms=frozenset({MONDAYS[2]}),
            )
        ],
        title="Measles",
        fmt_number=lambda v: f"{v:g}",
        fmt_date=lambda d: f"{d:%d.%m}",
        labels=charts.Labels(
            x="Semaine", y="Cas", threshold="seuil", alarm="alerte", not_reported="non déclaré"
        ),
        fmt_threshold=lambda v: f"{v:.1f}",
    )
    root = ET.fromstring(drawing)
    hits = [r.findtext(f"{SVG}title") for r in root.iter(f"{SVG}rect") if r.get("class") == "hit"]
    assert hits == [
        "04.03 — Kazakhstan: 3",
        "11.03 — Kazakhstan: non déclaré",
        "18.03 — Kazakhstan: 25 · seuil 10.0 · alerte",
    ]
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert [b.findtext(f"{SVG}title") for b in bars] == [hits[0], hits[2]]  # no bar for "none"
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels == ["Cas", "Semaine"]
    assert root.get("class") == "tips"


def test_a_sparkline_draws_a_week_not_reported_apart_from_zero() -> None:
    drawing = charts.sparkline(
        list(zip(MONDAYS, [4, None, 0, 8], strict=True)),
        title="t",
        fmt_number=str,
        fmt_date=lambda d: f"{d:%d.%m}",
    )
    rects = list(ET.fromstring(drawing).iter(f"{SVG}rect"))
    assert [(r.get("class"), r.findtext(f"{SVG}title")) for r in rects] == [
        ("bar", "04.03: 4"),
        ("gap", "11.03: not reported"),
        ("bar", "18.03: 0"),
        ("bar", "25.03: 8"),
    ]
    heights = [float(r.get("height") or 0) for r in rects]
    assert heights[3] == 2 * heights[0] and heights[2] == 1.0  # zero: a hairline, not a gap


def test_rate_classes_are_round_limits_and_a_missing_rate_has_none() -> None:
    edges = charts.rate_edges([0.4856, 0.0483, None])
    assert edges == pytest.approx([0, 0.2, 0.4, 0.6])
    assert [charts.rate_class(v, edges) for v in (0.0, 0.0483, 0.2, 0.4856, 0.6, None)] == [
        0,
        0,
        1,
        2,
        2,  # the top limit belongs to the last class
        None,
    ]
    assert charts.rate_edges([None, None]) == [0, 1] and charts.rate_class(0, [0, 1]) == 0
