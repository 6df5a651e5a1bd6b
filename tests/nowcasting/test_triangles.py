"""A triangle built from the database equals the one worked out by hand from the vintages sent."""

from __future__ import annotations

import io
import math
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.epidata.ingest import ingest
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import InvalidInput
from epibridge.nowcasting import service, triangles
from epibridge.security import Principal, Role
from tests.epidata.helpers import HEADER, csv_of
from tests.helpers import OPERATOR

FIRST_MONDAY = date(2025, 1, 6)
WEEKS = 12
AS_OF = datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)  # end of the Monday after week 12


def vintages(state: str, seed: int) -> list[tuple[date, int, date]]:
    """(week start, value, reported_on): each week first reported 1-3 days after its end,
    then revised upwards a few times at irregular later days."""
    rng = random.Random(seed)
    rows = []
    for week in range(WEEKS):
        start = FIRST_MONDAY + timedelta(weeks=week)
        day = start + timedelta(days=6 + rng.randint(0, 3))
        value = rng.randint(0, 30)
        while day <= AS_OF.date():
            rows.append((start, value, day))
            day += timedelta(days=rng.randint(2, 16))
            value += rng.randint(0, 12)
    return rows


def _file(state: str, rows: list[tuple[date, int, date]]) -> bytes:
    lines = [
        f"{state},,A37,cases,confirmed,{start},{start + timedelta(days=6)},{value},{day}"
        for start, value, day in rows
    ]
    return csv_of(*lines, header=HEADER + ",reported_on")


def by_hand(rows: list[tuple[date, int, date]], max_delay: int) -> list[list[float]]:
    """C[t][d]: the last vintage reported on or before the Sunday + d weeks, NaN if none."""
    table = []
    for week in range(WEEKS):
        start = FIRST_MONDAY + timedelta(weeks=week)
        line = []
        for d in range(max_delay + 1):
            cutoff = start + timedelta(days=6 + 7 * d)
            known = [v for s, v, day in rows if s == start and day <= cutoff]
            beyond = cutoff > AS_OF.date()
            line.append(math.nan if beyond or not known else float(known[-1]))
        table.append(line)
    return table


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> dict[str, list[tuple[date, int, date]]]:
    sent = {"KAZ": vintages("KAZ", 1), "KGZ": vintages("KGZ", 2)}
    for state, rows in sent.items():
        ingest(
            sessions,
            actor=OPERATOR,
            file=io.BytesIO(_file(state, rows)),
            state=state,
            filename="archive.csv",
        )
    return sent


def _same(left: list[list[float]], right: list[list[float | None]]) -> bool:
    def norm(x: float | None) -> float | None:
        return None if x is None or math.isnan(x) else x

    return [[norm(x) for x in row] for row in left] == [[norm(x) for x in row] for row in right]


def test_a_triangle_from_the_database_equals_the_one_by_hand(
    sessions: sessionmaker[Session], loaded: dict[str, list[tuple[date, int, date]]]
) -> None:
    selector = SeriesSelector(
        disease="A37", states=("KAZ", "KGZ"), classification="confirmed", as_of=AS_OF
    )
    with read_session(sessions) as session:
        read = service.triangle(
            session, actor=OPERATOR, selector=selector, max_delay=4, periods=WEEKS
        )
    assert [s.state for s in read.series] == ["KAZ", "KGZ"]
    for series in read.series:
        assert [r.period_start for r in series.rows] == [
            FIRST_MONDAY + timedelta(weeks=w) for w in range(WEEKS)
        ]
        assert _same(by_hand(loaded[series.state], 4), [r.values for r in series.rows])


def test_the_triangle_agrees_with_an_as_of_read(
    sessions: sessionmaker[Session], loaded: dict[str, list[tuple[date, int, date]]]
) -> None:
    """Delay d of a week is what a series read as of the end of its Sunday + d weeks shows."""
    from epibridge.epidata import queries

    with read_session(sessions) as session:
        built = triangles.build(
            session,
            series_ids=[1],
            granularity="week",
            max_delay=2,
            as_of=AS_OF,
            count=WEEKS,
        )
        t, d = 5, 2
        moment = triangles.end_of_day(built.periods[t][1] + timedelta(weeks=d))
        selector = SeriesSelector(
            disease="A37", states=("KAZ",), classification="confirmed", as_of=moment
        )
        read = queries.series(session, principal=OPERATOR, selector=selector)
    point = next(p for p in read.series[0].points if p.period_start == built.periods[t][0])
    assert built.values[0, t, d] == point.value


def test_periods_end_on_the_last_sunday_before_as_of() -> None:
    # Sunday noon: that Sunday has not ended, so the last week is the one before.
    window = triangles.periods(datetime(2025, 3, 30, 12, tzinfo=UTC), "week", 2)
    assert window == [
        (date(2025, 3, 10), date(2025, 3, 16)),
        (date(2025, 3, 17), date(2025, 3, 23)),
    ]
    months = triangles.periods(datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), "month", 2)
    assert months == [(date(2025, 2, 1), date(2025, 2, 28)), (date(2025, 3, 1), date(2025, 3, 31))]


def test_triangles_are_read_with_the_visibility_of_series(
    sessions: sessionmaker[Session], loaded: dict[str, list[tuple[date, int, date]]]
) -> None:
    observer = Principal(user_id=9, name="obs", role=Role.OBSERVER)
    selector = SeriesSelector(disease="A37", states=("KAZ",), classification="confirmed")
    with read_session(sessions) as session:
        from epibridge.security import PermissionDenied

        with pytest.raises(PermissionDenied):
            service.triangle(session, actor=observer, selector=selector, max_delay=4)
        with pytest.raises(InvalidInput) as raised:
            service.triangle(session, actor=OPERATOR, selector=selector, max_delay=0)
    assert raised.value.errors[0].field == "max_delay"


def test_revisions_received_now_are_observed_not_back_dated(
    sessions: sessionmaker[Session],
) -> None:
    """Two ordinary submissions (the second supersedes in the import's own SQL): the triangle
    reads both spellings of the moments, and neither version fills a cut-off before it came."""
    week = "KAZ,,A37,cases,confirmed,2025-03-24,2025-03-30"
    for value in (4, 6):
        ingest(
            sessions,
            actor=OPERATOR,
            file=io.BytesIO(csv_of(f"{week},{value}")),
            state="KAZ",
            filename="now.csv",
        )
    with read_session(sessions) as session:
        built = triangles.build(
            session,
            series_ids=[1],
            granularity="week",
            max_delay=2,
            as_of=datetime.now(UTC),
            count=200,
        )
    t = [p[0] for p in built.periods].index(date(2025, 3, 24))
    assert np.isnan(built.values[0, t]).all()  # received long after every cut-off
    assert built.observed[0, t] == 6
    assert built.with_observed_edge()[0, t].tolist()[-1] == 6  # the edge holds what is known
