"""The dashboard's situation query: right for past days, complete, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications import service
from epibridge.notifications.schemas import (
    NotificationClose,
    NotificationCreate,
    Situation,
    VerificationCreate,
)
from epibridge.security import Principal
from tests.notifications.factory import FP_CHN, FP_KAZ, FP_RUS, SECRETARIAT, event_body, now_minus


def create(sessions: sessionmaker[Session], actor: Any = FP_KAZ, **overrides: Any) -> int:
    with write_session(sessions) as session:
        row = service.create(
            session, actor=actor, data=NotificationCreate.model_validate(event_body(**overrides))
        )
        return row.id


def situation(sessions: sessionmaker[Session], actor: Principal, day: date) -> Situation:
    with read_session(sessions) as session:
        return service.situation(session, actor=actor, on=day)


@contextmanager
def statements(sessions: sessionmaker[Session]) -> Iterator[list[str]]:
    """Record every SQL statement the engine sends while the block runs."""
    engine = sessions.kw["bind"]
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def seed(sessions: sessionmaker[Session], count: int) -> None:
    """``count`` notified KAZ events, each with an open verification request and a draft."""
    for i in range(count):
        event_id = create(sessions, title=f"Synthetic test: event {i}")
        with write_session(sessions) as session:
            service.request_verification(
                session,
                actor=SECRETARIAT,
                event_id=event_id,
                data=VerificationCreate(question="Are the cases laboratory-confirmed?"),
            )
        create(
            sessions,
            title=f"Synthetic test: draft {i}",
            status="draft",
            annex2={
                "serious_impact": True,
                "unusual": True,
                "assessed_at": now_minus(2).isoformat(),
            },
        )


def test_an_event_closed_yesterday_was_active_before(sessions: sessionmaker[Session]) -> None:
    today = utcnow().date()
    closed = create(sessions, title="Synthetic test: closed yesterday")
    still_open = create(sessions, title="Synthetic test: open")
    later = create(sessions, onset_date=today.isoformat(), title="Synthetic test: began today")
    draft = create(sessions, status="draft", title="Synthetic test: draft")
    with write_session(sessions) as session:
        service.close(
            session,
            actor=FP_KAZ,
            event_id=closed,
            data=NotificationClose(reason="Synthetic test: over"),
            now=utcnow() - timedelta(days=1),
        )

    def active(day: date) -> list[int]:
        return [e.id for e in situation(sessions, FP_RUS, day).active]

    assert active(today - timedelta(days=2)) == [still_open, closed]
    # Closed during that day: it was active on it.
    assert active(today - timedelta(days=1)) == [still_open, closed]
    assert active(today) == [later, still_open]
    assert draft not in active(today) and draft not in active(today - timedelta(days=2))
    assert [e.id for e in situation(sessions, FP_KAZ, today).latest] == [
        draft,
        later,
        still_open,
        closed,
    ]


def test_what_each_account_owes(sessions: sessionmaker[Session]) -> None:
    today = utcnow().date()
    event_id = create(sessions)
    chinese = create(sessions, actor=FP_CHN, state="CHN", title="Synthetic test: CHN event")
    late = create(
        sessions,
        status="draft",
        title="Synthetic test: late draft",
        annex2={"serious_impact": True, "unusual": True, "assessed_at": now_minus(30).isoformat()},
    )
    with write_session(sessions) as session:
        service.request_verification(
            session,
            actor=FP_RUS,
            event_id=event_id,
            data=VerificationCreate(question="Any cases near the border?"),
        )
        service.acknowledge(session, actor=FP_RUS, event_id=chinese)

    rus = situation(sessions, FP_RUS, today)
    assert [e.id for e in rus.owed] == [event_id]  # the CHN event is acknowledged already
    assert [v.event.id for v in rus.verifications] == [event_id]  # it asked
    assert rus.deadlines == []  # another state's draft is not its business
    kaz = situation(sessions, FP_KAZ, today)
    assert [e.id for e in kaz.owed] == [chinese]  # not its own event
    assert [v.event.id for v in kaz.verifications] == [event_id]  # it owes the answer
    assert [(e.id, e.overdue) for e in kaz.deadlines] == [(late, True)]
    chn = situation(sessions, FP_CHN, today)
    assert [e.id for e in chn.owed] == [event_id]
    assert chn.verifications == []  # neither asked nor asked of
    secretariat = situation(sessions, SECRETARIAT, today)
    assert secretariat.owed == []  # no state, nothing to acknowledge
    assert [v.request.question for v in secretariat.verifications] == ["Any cases near the border?"]
    assert [e.id for e in secretariat.deadlines] == [late]


def test_no_cap_on_the_events_counted(sessions: sessionmaker[Session]) -> None:
    """Old events stay active however many newer ones follow (the page read the 200 newest)."""
    oldest = create(sessions, title="Synthetic test: the oldest")
    with write_session(sessions) as session:
        for i in range(200):
            service.create(
                session,
                actor=FP_KAZ,
                data=NotificationCreate.model_validate(
                    event_body(title=f"Synthetic test: {i}", status="draft")
                ),
            )
    found = situation(sessions, FP_KAZ, utcnow().date())
    assert [e.id for e in found.active] == [oldest]
    assert len(found.latest) == 10


def test_the_queries_do_not_grow_with_the_events(sessions: sessionmaker[Session]) -> None:
    today = utcnow().date()
    counts: dict[int, dict[str, int]] = {}
    for total, more in ((2, 2), (6, 4)):
        seed(sessions, more)
        counts[total] = {}
        for actor in (FP_RUS, FP_KAZ, SECRETARIAT):
            with read_session(sessions) as session:
                session.connection()
                with statements(sessions) as sent:
                    found = service.situation(session, actor=actor, on=today)
            counts[total][actor.name] = len(sent)
            assert len(found.active) == total
            assert len(found.verifications) == (total if actor is not FP_RUS else 0)
            assert len(found.owed) == (total if actor is FP_RUS else 0)
            assert len(found.deadlines) == (total if actor is not FP_RUS else 0)
    assert counts[2] == counts[6]
    # Five lists, and the member states of the day (two statements) for a state's account.
    assert max(counts[6].values()) <= 7
