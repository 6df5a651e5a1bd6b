"""Back-dated rows (``reported_on``): each vintage its own version, received the day it was known.

Both ways a file lands (check then store on SQLite, one pass on PostgreSQL) go through
``ingest.ingest``; every test runs on both backends.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session
from epibridge.epidata import queries
from epibridge.epidata.ingest import ingest
from epibridge.epidata.models import Observation, Submission
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import InvalidInput
from epibridge.security import Principal, Role
from tests.epidata.helpers import HEADER, csv_of
from tests.helpers import OPERATOR

DATED = HEADER + ",reported_on"
WEEK = "KAZ,,A37,cases,confirmed,2025-03-03,2025-03-09"


def _ingest(sessions: sessionmaker[Session], content: bytes, actor: Principal = OPERATOR) -> None:
    ingest(sessions, actor=actor, file=io.BytesIO(content), state="KAZ", filename="a.csv")


def _versions(sessions: sessionmaker[Session]) -> list[tuple[int, int | None, datetime, object]]:
    with read_session(sessions) as session:
        rows = session.execute(
            select(
                Observation.version,
                Observation.value,
                Observation.received_at,
                Observation.superseded_at,
            ).order_by(Observation.period_start, Observation.version)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=1, microseconds=-1)


def test_later_rows_with_later_dates_are_versions_received_at_the_end_of_their_day(
    sessions: sessionmaker[Session],
) -> None:
    content = csv_of(
        f"{WEEK},3,2025-03-10", f"{WEEK},7,2025-03-17", f"{WEEK},9,2025-03-31", header=DATED
    )
    before = datetime.now(UTC)
    _ingest(sessions, content)
    versions = _versions(sessions)
    assert [(v, value) for v, value, _, _ in versions] == [(1, 3), (2, 7), (3, 9)]
    assert [r for _, _, r, _ in versions] == [
        _end_of("2025-03-10"),
        _end_of("2025-03-17"),
        _end_of("2025-03-31"),
    ]
    assert [s for _, _, _, s in versions] == [_end_of("2025-03-17"), _end_of("2025-03-31"), None]
    with read_session(sessions) as session:
        submission = session.execute(select(Submission)).scalar_one()
        assert submission.received_at >= before  # the submission keeps the real time
        assert (submission.new_count, submission.revised_count) == (1, 2)
        entry = session.execute(
            select(audit.AuditEntry).where(audit.AuditEntry.entity == "epidata_submission")
        ).scalar_one()
    assert entry.detail["back_dated"] == {
        "rows": 3,
        "first_day": "2025-03-10",
        "last_day": "2025-03-31",
    }
    # An as_of query sees the vintage known on that day.
    with read_session(sessions) as session:
        for as_of, expected in (("2025-03-16T12:00:00", 3), ("2025-03-18T00:00:00", 7)):
            selector = SeriesSelector(
                disease="A37",
                states=("KAZ",),
                classification="confirmed",
                as_of=datetime.fromisoformat(as_of),
            )
            read = queries.series(session, principal=OPERATOR, selector=selector)
            assert [p.value for p in read.series[0].points] == [expected]


@pytest.mark.parametrize(
    ("reported_on", "fragment"),
    [
        ("2025-03-08", "before the period's end"),
        ((date.today() + timedelta(days=30)).isoformat(), "after today"),
        ("10.03.2025", "not a date"),
    ],
)
def test_a_bad_reported_on_names_the_row_and_the_field(
    sessions: sessionmaker[Session], reported_on: str, fragment: str
) -> None:
    content = csv_of(f"{WEEK},3,2025-03-10", f"{WEEK},4,{reported_on}", header=DATED)
    with pytest.raises(InvalidInput) as raised:
        _ingest(sessions, content)
    bad = [e for e in raised.value.errors if e.field == "reported_on"]
    assert [(e.row, e.value) for e in bad] == [(3, reported_on)]
    assert fragment in str(bad[0].message)
    assert bad[0].as_dict("ru")["message"] != bad[0].as_dict("en")["message"]
    assert _versions(sessions) == []


def test_vintages_out_of_order_are_duplicates(sessions: sessionmaker[Session]) -> None:
    content = csv_of(f"{WEEK},7,2025-03-17", f"{WEEK},3,2025-03-10", header=DATED)
    with pytest.raises(InvalidInput) as raised:
        _ingest(sessions, content)
    assert [(e.row, e.field) for e in raised.value.errors] == [(3, "period_start")]


def test_a_focal_point_may_not_back_date(sessions: sessionmaker[Session]) -> None:
    focal = Principal(user_id=7, name="fp", role=Role.FOCAL_POINT, state="KAZ")
    with pytest.raises(InvalidInput) as raised:
        _ingest(sessions, csv_of(f"{WEEK},3,2025-03-10", header=DATED), actor=focal)
    assert [(e.row, e.field) for e in raised.value.errors] == [(2, "reported_on")]
    refusal = raised.value.errors[0]
    assert "Secretariat" in str(refusal.message)
    assert "Секретариат" in refusal.as_dict("ru")["message"]
    assert "秘书处" in refusal.as_dict("zh")["message"]
    # The same file without dates is the focal point's ordinary submission.
    _ingest(sessions, csv_of(f"{WEEK},3,", header=DATED), actor=focal)
    assert len(_versions(sessions)) == 1


def test_the_states_system_account_may_back_date(sessions: sessionmaker[Session]) -> None:
    machine = Principal(user_id=8, name="kaz-etl", role=Role.SYSTEM, state="KAZ")
    _ingest(sessions, csv_of(f"{WEEK},3,2025-03-10", header=DATED), actor=machine)
    assert [r for _, _, r, _ in _versions(sessions)] == [_end_of("2025-03-10")]


def test_a_back_dated_version_cannot_go_before_one_stored_later(
    sessions: sessionmaker[Session],
) -> None:
    _ingest(sessions, csv_of(f"{WEEK},5"))
    with pytest.raises(InvalidInput) as raised:
        _ingest(sessions, csv_of(f"{WEEK},3,2025-03-10", header=DATED))
    assert [(e.row, e.field) for e in raised.value.errors] == [(2, "reported_on")]
    assert len(_versions(sessions)) == 1
