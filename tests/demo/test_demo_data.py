"""The demo's weekly reports: a load a week later adds that week and revises only the weeks
still incomplete; the history stored before stays as it was."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow
from epibridge.epidata import revisions
from epibridge.epidata.demo import LATE_STATE, REPORTED_SHARE, WEEKS, load_demo, monday, plan
from epibridge.epidata.selector import SeriesSelector
from epibridge.security import operator_principal

OPERATOR = operator_principal("test")


def test_first_load_replays_three_weekly_reports_then_nothing() -> None:
    today = date(2026, 12, 2)
    reports = plan(today, ["KAZ", LATE_STATE], {})
    first = monday(today) - timedelta(weeks=WEEKS - 1)
    assert {r.first for r in reports} == {first}
    assert [(r.state, r.reported, r.since) for r in reports] == [
        ("KAZ", WEEKS - 3, 0),
        (LATE_STATE, WEEKS - 3, 0),
        ("KAZ", WEEKS - 2, WEEKS - 2 - len(REPORTED_SHARE)),
        (LATE_STATE, WEEKS - 2, WEEKS - 2 - len(REPORTED_SHARE)),
        ("KAZ", WEEKS - 1, WEEKS - 1 - len(REPORTED_SHARE)),
    ]
    stored = {"KAZ": (first, monday(today)), LATE_STATE: (first, monday(today) - timedelta(7))}
    assert plan(today, ["KAZ", LATE_STATE], stored) == []


def _history(sessions: sessionmaker[Session], start: date) -> list[tuple[str, int, int | None]]:
    with read_session(sessions) as session:
        found = revisions.history(
            session,
            principal=OPERATOR,
            selector=SeriesSelector("B05", states=("KAZ",), start=start),
        )
    return [(str(v.period_start), v.version, v.value) for v in found.versions]


def test_a_load_a_week_later_adds_the_week_and_revises_the_recent_ones(
    sessions: sessionmaker[Session],
) -> None:
    today = utcnow().date()
    week_ago = today - timedelta(weeks=1)
    first = load_demo(sessions, today=week_ago)
    assert first["reports"] == 29 and first["synthetic_states"] == 10
    old = monday(week_ago) - timedelta(weeks=8)
    before = _history(sessions, old)

    later = load_demo(sessions, today=today)
    assert later["reports"] == 10  # one weekly report per state
    assert load_demo(sessions, today=today)["reports"] == 0
    after = _history(sessions, old)
    assert before and set(before) <= set(after)  # nothing stored is lost
    # Weeks complete a week ago got no new version; the newer ones did, upwards.
    settled = str(monday(week_ago) - timedelta(weeks=len(REPORTED_SHARE)))
    assert [v for v in after if v[0] <= settled] == [v for v in before if v[0] <= settled]
    newest = str(monday(today))
    assert [v[1] for v in after if v[0] == newest] == [1]
    revised = str(monday(week_ago))
    values = [v[2] or 0 for v in after if v[0] == revised]
    assert len(values) == 2 and values[0] < values[1]
