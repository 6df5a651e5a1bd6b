"""One ``SeriesSelector`` through every face: each field reaches the service, none is dropped.

The data make every field matter: the selected series sits beside a decoy that differs from
it in exactly one field (taking that field's default), it is read by month over a range
narrower than the data, as known before a revision. The first test proves that dropping any
one field changes the service's answer; the faces' tests then require the service's answer
to the whole selector, so a face that loses a field fails (as ``/data/curve.csv`` once lost
the classification). The last tests are the selector's own checks, each naming its field.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import numpy as np
import pytest
import typer
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.cli import app
from epibridge.db import read_session, write_session
from epibridge.detection import service as detection
from epibridge.detection.rt import estimate_r
from epibridge.epidata import queries, revisions
from epibridge.epidata.models import Observation
from epibridge.epidata.selector import (
    FIELDS,
    HELP,
    SeriesSelector,
    default_of,
    granularity_help,
)
from epibridge.errors import DomainError, InvalidInput
from epibridge.settings import Settings
from tests.epidata.helpers import HEADER, csv_of, submit
from tests.helpers import OPERATOR, bearer, make_user
from tests.web.test_pages import PASSWORD, _sign_in

KNOWN = datetime(2024, 6, 1, 12, tzinfo=UTC)  # the first version arrives
REVISED = datetime(2024, 6, 10, 12, tzinfo=UTC)  # the revision arrives
SELECTED = SeriesSelector(
    "A09",
    states=("KGZ",),
    metric="deaths",
    classification="confirmed",
    area="KG-C",
    age_group="0-4",
    sex="female",
    granularity="month",
    start=date(2024, 2, 1),
    end=date(2024, 3, 31),
    as_of=datetime(2024, 6, 5, 12, tzinfo=UTC),
)
#: The query string of ``SELECTED`` (the web's "as known on" is a day: the end of 5 June).
QUERY = {
    "state": "KGZ",
    "disease": "A09",
    "metric": "deaths",
    "classification": "confirmed",
    "area": "KG-C",
    "age_group": "0-4",
    "sex": "female",
    "granularity": "month",
    "start": "2024-02-01",
    "end": "2024-03-31",
    "as_of": "2024-06-05T12:00:00+00:00",
}
#: The decoys: the selected series with one field at its default, and a daily base of its own.
DECOYS = {"metric": 2, "classification": 3, "area": 4, "age_group": 5, "sex": 6}
#: The fields a series read or export says it is of.
ECHOED = ("metric", "classification", "area", "age_group", "sex", "granularity")
DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(121)]  # January to April


def _row(day: date, value: int, **changed: str) -> str:
    series = {name: getattr(SELECTED, name) for name in DECOYS} | changed
    return (
        f"KGZ,{series['area']},A09,{series['metric']},{series['classification']},"
        f"{day},{day},{value},{series['age_group']},{series['sex']}"
    )


def _store(sessions: sessionmaker[Session]) -> None:
    """The selected series and its decoys known from KNOWN; the selected one revised at REVISED."""
    defaults = {f.name: f.default for f in fields(SeriesSelector)}
    rows = [_row(day, 1 + i % 3) for i, day in enumerate(DAYS)]
    for name, base in DECOYS.items():
        rows += [_row(day, base + i % 3, **{name: defaults[name]}) for i, day in enumerate(DAYS)]
    header = HEADER + ",age_group,sex"
    submit(sessions, csv_of(*rows, header=header), state="KGZ")
    with write_session(sessions) as session:
        session.execute(update(Observation).values(received_at=KNOWN))
    revised = [_row(day, 5 + i % 4) for i, day in enumerate(DAYS) if day.month in (2, 3)]
    submit(sessions, csv_of(*revised, header=header), state="KGZ")
    with write_session(sessions) as session:
        session.execute(
            update(Observation).where(Observation.received_at > KNOWN).values(received_at=REVISED)
        )
        session.execute(
            update(Observation)
            .where(Observation.superseded_at.is_not(None))
            .values(superseded_at=REVISED)
        )


def _months(sessions: sessionmaker[Session], selector: SeriesSelector) -> Any:
    """The service's answer: (state, first day, value) per period, or the error it gives."""
    try:
        with read_session(sessions) as session:
            result = queries.series(session, principal=OPERATOR, selector=selector)
    except DomainError as exc:
        return type(exc).__name__
    return [(s.state, str(p.period_start), p.value) for s in result.series for p in s.points]


def _rt(sessions: sessionmaker[Session], selector: SeriesSelector) -> Any:
    """R_t's answer over one-period windows: (window, mean) per estimate, or the error."""
    try:
        with read_session(sessions) as session:
            result = detection.series_rt(session, principal=OPERATOR, selector=selector, window=1)
    except DomainError as exc:
        return type(exc).__name__
    return [(str(e.period_start), str(e.period_end), e.mean) for e in result.estimates]


def _history(sessions: sessionmaker[Session], selector: SeriesSelector) -> Any:
    """The revision history's answer: (day, version, value) per stored version."""
    view = replace(selector, granularity="week", as_of=None)  # the history has neither
    with read_session(sessions) as session:
        result = revisions.history(session, principal=OPERATOR, selector=view)
    return [(str(v.period_start), v.version, v.value) for v in result.versions]


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    _store(sessions)
    return sessions


def _dropped(name: str) -> SeriesSelector:
    """``SELECTED`` as a face that lost ``name`` would pass it on (the field's default)."""
    default = {f.name: f.default for f in fields(SeriesSelector)}
    field = "states" if name == "state" else name
    return replace(SELECTED, **{field: default.get(field, ())})


def test_the_data_make_every_field_matter(stored: sessionmaker[Session]) -> None:
    feb = sum(1 + i % 3 for i, d in enumerate(DAYS) if d.month == 2)
    mar = sum(1 + i % 3 for i, d in enumerate(DAYS) if d.month == 3)
    assert _months(stored, SELECTED) == [("KGZ", "2024-02-01", feb), ("KGZ", "2024-03-01", mar)]
    expected_rt = estimate_r(
        np.array([feb, mar], dtype=float),
        method="parametric_si",
        mean_si=detection.rt.DEFAULT_MEAN_SI,
        std_si=detection.rt.DEFAULT_STD_SI,
        t_start=np.array([2]),
        t_end=np.array([2]),
    )
    assert _rt(stored, SELECTED) == [
        ("2024-03-01", "2024-03-31", pytest.approx(expected_rt.mean[0]))
    ]
    history = _history(stored, SELECTED)
    for name in FIELDS:
        if name == "disease":
            with pytest.raises(InvalidInput):
                replace(SELECTED, disease="")
            continue
        dropped = _dropped(name)
        assert _months(stored, dropped) != _months(stored, SELECTED), name
        assert _rt(stored, dropped) != _rt(stored, SELECTED), name
        if name in ("metric", "classification", "area", "age_group", "sex", "start", "end"):
            assert _history(stored, dropped) != history, name
    # A web reader of another state who names none gets the curve of their own state.
    assert _months(stored, replace(SELECTED, states=("KAZ",))) != _months(stored, SELECTED)


def test_the_api_passes_every_field(live_url: str, stored: sessionmaker[Session]) -> None:
    token = bearer(make_user(stored, "fp-kaz", "focal_point", "KAZ"))
    api = f"{live_url}/api/v1/data"
    body = httpx.get(f"{api}/series", params=QUERY, headers=token).json()
    got = [(s["state"], p["period_start"], p["value"]) for s in body["series"] for p in s["points"]]
    assert got == _months(stored, SELECTED)
    echoed = body["series"][0]
    assert {k: echoed[k] for k in ECHOED} == {k: getattr(SELECTED, k) for k in ECHOED}
    assert echoed["as_of"].startswith("2024-06-05T12:00")
    exported = httpx.get(f"{api}/series", params={**QUERY, "format": "csv"}, headers=token)
    assert _csv_points(exported.text) == _months(stored, SELECTED)

    history_query = {k: v for k, v in QUERY.items() if k not in ("granularity", "as_of")}
    history = httpx.get(f"{api}/series/history", params=history_query, headers=token).json()
    got_versions = [(v["period_start"], v["version"], v["value"]) for v in history["versions"]]
    assert got_versions == _history(stored, SELECTED)


def test_the_detection_api_passes_every_field(live_url: str, stored: sessionmaker[Session]) -> None:
    token = bearer(make_user(stored, "fp-kaz", "focal_point", "KAZ"))
    body = httpx.get(
        f"{live_url}/api/v1/data/rt", params={**QUERY, "window": 1}, headers=token
    ).json()
    got = [(e["period_start"], e["period_end"], e["mean"]) for e in body["estimates"]]
    assert got == _rt(stored, SELECTED)
    assert (body["state"], body["metric"], body["classification"], body["granularity"]) == (
        "KGZ",
        "deaths",
        "confirmed",
        "month",
    )


class _Cells(HTMLParser):
    """The cells of each row of the curve page's table body."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._in_body and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data.strip()


def test_the_curve_page_and_its_csv_pass_every_field(
    live_url: str, stored: sessionmaker[Session]
) -> None:
    make_user(stored, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {**QUERY, "as_of": "2024-06-05", "lang": "en"}  # the form's "as known on" day
    page = client.get("/data/curve", params=query)
    assert page.status_code == 200, page.text
    cells = _Cells()
    cells.feed(page.text)
    assert [(row[0], int(row[3])) for row in cells.rows] == [
        ("Kyrgyzstan", value) for _, _, value in _months(stored, SELECTED)
    ]
    # The form keeps the fields it has no control for when it is sent again.
    for name in ("area", "age_group", "sex"):
        assert f'name="{name}" value="{QUERY[name]}"' in page.text
    found = re.search(r'href="(/data/curve\.csv\?[^"]+)"', page.text)
    assert found, "the page has no CSV link"
    exported = client.get(html.unescape(found.group(1)))
    assert exported.status_code == 200
    assert _csv_points(exported.text) == _months(stored, SELECTED)


def test_the_command_line_passes_every_field(
    settings: Settings, stored: sessionmaker[Session]
) -> None:
    env = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    options = [f"--{name.replace('_', '-')}={value}" for name, value in QUERY.items()]
    result = CliRunner().invoke(app, ["data", "query", *options, "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    assert _csv_points(result.stdout) == _months(stored, SELECTED)
    history_options = [o for o in options if not o.startswith(("--granularity", "--as-of"))]
    history = CliRunner().invoke(app, ["data", "history", *history_options], env=env)
    assert history.exit_code == 0, history.output
    rows = re.findall(
        r"(\d{4}-\d\d-\d\d)\.\.\d{4}-\d\d-\d\d\s*│\s*(\d+)\s*│\s*(\d+)", history.stdout
    )
    assert [(day, int(version), int(value)) for day, version, value in rows] == _history(
        stored, SELECTED
    )


def _csv_points(text: str) -> list[tuple[str, str, int | None]]:
    """The export's points, once every row says it is of the selected series."""
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        assert {k: row[k] for k in ECHOED} == {k: getattr(SELECTED, k) for k in ECHOED}
    return [(r["state"], r["period_start"], int(r["value"]) if r["value"] else None) for r in rows]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"disease": "cholera"}, ["disease"]),
        ({"metric": "sneezes", "classification": "maybe"}, ["metric", "classification"]),
        ({"age_group": "old", "sex": "f"}, ["age_group", "sex"]),
        ({"granularity": "year"}, ["granularity"]),
        ({"start": date(2024, 3, 1), "end": date(2024, 2, 1)}, ["end"]),
        ({"start": "2024-03-01", "as_of": "yesterday"}, ["start", "as_of"]),
    ],
)
def test_a_bad_selector_names_each_bad_field(changes: dict[str, Any], named: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(SELECTED, **changes)
    assert [e.field for e in caught.value.errors] == named


def test_the_selector_normalizes_once() -> None:
    selector = SeriesSelector(
        "a09", states=("KGZ,KAZ", " RUS "), area="kg-c", sex="Female", as_of=datetime(2024, 6, 5)
    )
    assert selector.disease == "A09" and selector.states == ("KGZ", "KAZ", "RUS")
    assert selector.area == "KG-C" and selector.sex == "female"
    assert selector.as_of == datetime(2024, 6, 5, tzinfo=UTC)  # no offset: UTC
    assert replace(selector) == selector  # checking a checked selector changes nothing
    with pytest.raises(InvalidInput) as caught:
        selector.one_state()
    assert caught.value.errors[0].field == "state"
    with pytest.raises(InvalidInput) as refused:
        SELECTED.refuse(["granularity", "as_of", "area"], "not used here")
    assert [e.field for e in refused.value.errors] == ["granularity", "as_of", "area"]


def test_every_face_describes_the_fields_from_the_selector(live_url: str) -> None:
    """The query parameters and the command options are the selector's one table, not copies."""
    defaults = {name: default_of(name) for name in FIELDS if name != "state"}
    openapi = httpx.get(f"{live_url}/openapi.json").json()
    parameters = {
        p["name"]: p for p in openapi["paths"]["/api/v1/data/series"]["get"]["parameters"]
    }
    described_as = {**HELP, "state": HELP["states"], "granularity": granularity_help()}
    for name in FIELDS:
        described = parameters[name]
        assert described["description"] == described_as[name], name
        required = name in ("state", "disease")
        assert described.get("required", False) is required, name
        if not required and defaults[name] is not None:
            assert described["schema"]["default"] == defaults[name], name

    command = typer.main.get_command(app).commands["data"].commands["query"]  # type: ignore[attr-defined]
    options = {p.name: p for p in command.params}
    for name in FIELDS:
        option = options[name]
        assert option.help == described_as[name], name
        assert option.opts == [f"--{name.replace('_', '-')}"]
        if name not in ("state", "disease"):
            assert option.default == defaults[name], name
