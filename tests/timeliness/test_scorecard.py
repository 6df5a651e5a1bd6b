"""Scorecards per state and for the region, per period, with verification timeliness.

The expected shares and medians are worked out by hand from the events set up in ``region``.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.errors import InvalidInput
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import (
    NotificationClose,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.notifications.statuses import EventStatus
from epibridge.timeliness import service
from epibridge.timeliness.schemas import FactorCreate
from tests.notifications.factory import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT
from tests.timeliness.factory import NOW, every_action, make_event, record_all


def _factor(sessions: sessionmaker[Session], event_id: int, kind: str, category: str) -> None:
    with write_session(sessions) as session:
        service.add_factor(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=FactorCreate(
                kind=kind, stage="detect", category=category, description="Synthetic test"
            ),
            now=NOW,
        )


def _verification(
    sessions: sessionmaker[Session], event_id: int, asker, asked: datetime, hours: float | None
) -> None:
    with write_session(sessions) as session:
        request = notifications.request_verification(
            session,
            actor=asker,
            event_id=event_id,
            data=VerificationCreate(question="Synthetic: is this confirmed?"),
            now=asked,
        )
        request_id = request.id
    if hours is None:
        return
    owner = FP_RUS if asker is SECRETARIAT else FP_KAZ
    with write_session(sessions) as session:
        notifications.answer_verification(
            session,
            actor=owner,
            event_id=event_id,
            verification_id=request_id,
            data=VerificationAnswer(verified=True, answer="Synthetic: yes"),
            now=asked + timedelta(hours=hours),
        )


@pytest.fixture
def region(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Four real events (three of Kazakhstan, one of Russia), a drill and a draft."""
    ids = {
        # detect 4, notify 1, respond 6: all met.
        "e1": make_event(sessions),
        # no detection date; respond 14: missed.
        "e2": make_event(sessions, detection=None),
        # detect 4, notify 4 (notified 9 March): missed; respond open.
        "e3": make_event(sessions, notified_at=datetime(2026, 3, 9, 8, tzinfo=UTC)),
        # detect 4, notify 0, respond 5: all met.
        "e4": make_event(
            sessions,
            actor=FP_RUS,
            title="Synthetic test: measles in Kazan",
            notified_at=datetime(2026, 3, 5, 10, tzinfo=UTC),
        ),
        "drill": make_event(sessions, mode="exercise", detection=date(2026, 3, 2)),
        "draft": make_event(sessions, status="draft", detection=date(2026, 3, 3)),
    }
    record_all(sessions, ids["e1"], every_action(date(2026, 3, 12)))
    record_all(sessions, ids["e2"], every_action(date(2026, 3, 20)))
    record_all(sessions, ids["e4"], every_action(date(2026, 3, 10)), actor=FP_RUS)
    for kind, category in [
        ("bottleneck", "laboratory"),
        ("bottleneck", "financing"),
        ("bottleneck", "laboratory"),
        ("enabler", "coordination"),
    ]:
        _factor(sessions, ids["e2"], kind, category)
    _factor(sessions, ids["drill"], "bottleneck", "workforce")
    # Answered after 30 hours (late), after 2 hours, and never (overdue by NOW).
    _verification(sessions, ids["e1"], FP_RUS, datetime(2026, 3, 7, 9, tzinfo=UTC), 30)
    _verification(sessions, ids["e4"], SECRETARIAT, datetime(2026, 3, 6, 9, tzinfo=UTC), 2)
    _verification(sessions, ids["e3"], SECRETARIAT, datetime(2026, 3, 10, 9, tzinfo=UTC), None)
    return ids


def _card(sessions: sessionmaker[Session], actor=SECRETARIAT, **query):
    with read_session(sessions) as session:
        return service.scorecard(session, actor=actor, now=NOW, **query)


def test_the_region_scorecard(sessions: sessionmaker[Session], region: dict[str, int]) -> None:
    card = _card(sessions)
    assert card.events == 4  # the drill and the draft are not counted
    assert card.detect == 1.0
    assert card.notify == pytest.approx(2 / 3)
    assert card.respond == pytest.approx(2 / 3)
    assert card.all == 0.5
    medians = {name: score.median_days for name, score in card.intervals.items()}
    assert medians == {"detect": 4, "notify": 1, "respond": 6}
    assert [(c.category, c.count) for c in card.bottlenecks] == [
        ("laboratory", 2),
        ("financing", 1),
    ]
    assert [(c.category, c.count) for c in card.enablers] == [("coordination", 1)]
    v = card.verification
    assert (v.requests, v.answered, v.within_24h) == (3, 2, 1)
    assert v.share_within_24h == pytest.approx(1 / 3) and v.median_hours == 16


def test_one_state_and_a_period(sessions: sessionmaker[Session], region: dict[str, int]) -> None:
    kaz = _card(sessions, state="kaz")
    assert (kaz.state, kaz.events) == ("KAZ", 3)
    assert (kaz.detect, kaz.notify, kaz.respond) == (1.0, 0.5, 0.5)
    assert kaz.all == pytest.approx(1 / 3)
    later = _card(sessions, start=date(2026, 3, 7), end=date(2026, 3, 31))
    assert later.events == 1 and later.notify == 0.0 and later.respond is None
    empty = _card(sessions, start=date(2026, 4, 1))
    assert empty.events == 0 and empty.all is None and empty.verification.requests == 0
    with pytest.raises(InvalidInput) as raised:
        _card(sessions, start=date(2026, 4, 1), end=date(2026, 3, 1))
    assert raised.value.errors[0].field == "to"


def test_the_scorecard_counts_what_the_reader_may_see(
    sessions: sessionmaker[Session], region: dict[str, int]
) -> None:
    # Members-only events: an observer's scorecard is empty.
    assert _card(sessions, actor=OBSERVER).events == 0
    assert _card(sessions, actor=FP_RUS).events == 4


def test_quarters_years_and_csv(sessions: sessionmaker[Session], region: dict[str, int]) -> None:
    assert service.period_of(date(2026, 3, 31), "quarter") == (
        "2026-Q1",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert service.period_of(date(2026, 11, 2), "quarter")[1:] == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert service.period_of(date(2026, 5, 2), "year")[0] == "2026"
    with read_session(sessions) as session:
        rows = service.table(session, actor=SECRETARIAT, period="quarter", now=NOW)
        with pytest.raises(InvalidInput):
            service.table(session, actor=SECRETARIAT, period="month", now=NOW)
    assert [(r.period, r.state, r.card.events) for r in rows] == [
        ("2026-Q1", None, 4),
        ("2026-Q1", "KAZ", 3),
        ("2026-Q1", "RUS", 1),
    ]
    parsed = list(csv.DictReader(io.StringIO(service.to_csv(rows))))
    assert parsed[0]["state"] == "region" and parsed[0]["all_share"] == "0.5"
    assert parsed[1]["notify_share"] == "0.5" and parsed[1]["top_bottleneck"] == "laboratory"
    assert parsed[2]["detect_median_days"] == "4"


def test_events_that_missed_a_target(
    sessions: sessionmaker[Session], region: dict[str, int]
) -> None:
    with read_session(sessions) as session:

        def ids(target: str) -> set[int]:
            page = service.missed(session, actor=SECRETARIAT, target=target, limit=50)
            return {event.id for event in page.items}

        assert ids("notify") == {region["e3"]}
        assert ids("respond") == {region["e2"]}
        assert ids("detect") == set()
        assert ids("any") == {region["e2"], region["e3"]}
        with pytest.raises(InvalidInput) as raised:
            ids("soon")
    assert raised.value.errors[0].field == "missed"


def test_missed_targets_combine_with_the_lists_other_filters(
    sessions: sessionmaker[Session],
) -> None:
    """Each event below missed the notification target (notified 4 days after detection) but
    one: only the notified cholera events come back, one per page."""
    late = datetime(2026, 3, 9, 8, tzinfo=UTC)
    wanted = [
        make_event(sessions, disease="A00", notified_at=late),
        make_event(sessions, disease="A00.1", notified_at=late),  # a subcode of cholera
    ]
    make_event(sessions, disease="A00")  # notified in time: missed nothing
    make_event(sessions, disease="B05", notified_at=late)  # measles
    closed = make_event(sessions, disease="A00", notified_at=late)
    with write_session(sessions) as session:
        notifications.close(
            session, actor=FP_KAZ, event_id=closed, data=NotificationClose(reason="Synthetic")
        )
    with read_session(sessions) as session:
        seen: list[int] = []
        cursor = None
        while True:
            page = service.missed(
                session,
                actor=SECRETARIAT,
                target="notify",
                limit=1,
                cursor=cursor,
                disease="A00",
                status=EventStatus.NOTIFIED,
            )
            seen += [event.id for event in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == sorted(wanted, reverse=True)
        closed_only = service.missed(
            session, actor=SECRETARIAT, target="any", limit=50, status=EventStatus.CLOSED
        )
        assert [event.id for event in closed_only.items] == [closed]
        # Drills never count, so asking for exercises among missed targets finds none.
        drills = service.missed(session, actor=SECRETARIAT, target="any", limit=50, exercise=True)
        assert drills.items == []
