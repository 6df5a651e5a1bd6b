"""Withdrawn values: absent from the series and the latest reading from the
withdrawal on, shown as they were before it (as_of), listed in the history; sent again, stored."""

from __future__ import annotations

import io
import time
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.epidata import queries, revisions
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.selector import SeriesSelector
from tests.epidata.helpers import weekly
from tests.helpers import OPERATOR

SELECTOR = SeriesSelector("J11", states=("KAZ",), classification="confirmed")


def _load(sessions: sessionmaker[Session], content: bytes, *, withdraw: bool = False) -> object:
    return ingest(
        sessions,
        actor=OPERATOR,
        file=io.BytesIO(content),
        state="KAZ",
        filename="w.csv",
        options=IngestOptions(withdraw=withdraw),
    )


def _values(sessions: sessionmaker[Session], selector: SeriesSelector = SELECTOR) -> list:
    with read_session(sessions) as session:
        found = queries.series(session, principal=OPERATOR, selector=selector)
    return [(str(p.period_start), p.value) for p in found.series[0].points]


def test_a_withdrawn_value_is_absent_from_then_on_and_kept_in_the_history(
    sessions: sessionmaker[Session],
) -> None:
    first = date(2024, 1, 1)
    second_week, third = first + timedelta(weeks=1), first + timedelta(weeks=2)
    _load(sessions, weekly("KAZ", "J11", str(first), [5, 7, 9]))
    with read_session(sessions) as session:
        before = revisions.history(session, principal=OPERATOR, selector=SELECTOR).versions
    moment = before[-1].received_at + timedelta(microseconds=1)
    time.sleep(0.01)
    # The values of a withdrawal are ignored.
    result = _load(sessions, weekly("KAZ", "J11", str(second_week), [0]), withdraw=True)
    assert (result.withdrawn_count, result.new_count, result.revised_count) == (1, 0, 0)
    assert _values(sessions) == [(str(first), 5), (str(third), 9)]
    then = SeriesSelector("J11", states=("KAZ",), classification="confirmed", as_of=moment)
    assert _values(sessions, then) == [(str(first), 5), (str(second_week), 7), (str(third), 9)]
    with read_session(sessions) as session:
        history = revisions.history(session, principal=OPERATOR, selector=SELECTOR).versions
    second = [v for v in history if str(v.period_start) == str(second_week)]
    assert [(v.version, v.value, v.withdrawn) for v in second] == [(1, 7, False), (2, None, True)]
    assert second[0].superseded_at == second[1].received_at

    # Withdrawn twice: nothing more to withdraw. Sent again (even as "not reported"): stored.
    again = _load(sessions, weekly("KAZ", "J11", str(second_week), [1]), withdraw=True)
    assert again.withdrawn_count == 0
    back = _load(sessions, weekly("KAZ", "J11", str(second_week), [None]))
    assert back.revised_count == 1
    assert _values(sessions)[1] == (str(second_week), None)
