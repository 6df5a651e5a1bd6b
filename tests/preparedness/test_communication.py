"""Communication tests: launched by the Secretariat to every member state, acknowledged by each
state once, reported as within 1 hour / within 24 hours / later / not at all, and never counted
as an event (event lists, the dashboard, search)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Forbidden
from epibridge.notifications import service as notifications
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.preparedness import service
from epibridge.preparedness.models import CommunicationTestAnswer
from epibridge.preparedness.schemas import CommunicationTestCreate
from epibridge.preparedness.statuses import AnswerTime
from epibridge.search import service as search
from epibridge.security import PermissionDenied, Principal, Role
from tests.notifications.factory import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT

FP_CHN = Principal(user_id=3, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
FP_KGZ = Principal(user_id=7, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")


def _launch(sessions: sessionmaker[Session], actor: Principal = SECRETARIAT) -> int:
    with write_session(sessions) as session:
        return service.launch(
            session, actor=actor, data=CommunicationTestCreate(note="Half-yearly test")
        ).id


def test_answers_are_sorted_by_how_soon_they_came(sessions: sessionmaker[Session]) -> None:
    test_id = _launch(sessions)
    with read_session(sessions) as session:
        launched = service.get_test(session, actor=FP_KAZ, test_id=test_id).launched_at
    with write_session(sessions) as session:
        for actor, after in (
            (FP_KAZ, timedelta(minutes=59)),
            (FP_RUS, timedelta(hours=1, minutes=1)),
            (FP_CHN, timedelta(hours=25)),
        ):
            service.acknowledge(session, actor=actor, test_id=test_id, now=launched + after)
        # A second acknowledgement changes nothing: the first counts.
        again = service.acknowledge(
            session, actor=FP_KAZ, test_id=test_id, now=launched + timedelta(hours=3)
        )
    assert again.minutes == 59
    with read_session(sessions) as session:
        found = service.report(session, actor=SECRETARIAT, test_id=test_id)
        members = len(found.test.states)
        assert session.execute(select(CommunicationTestAnswer)).scalars().all().__len__() == 3
    by_state = {a.state: a for a in found.answers}
    assert by_state["KAZ"].answer_time is AnswerTime.WITHIN_1_HOUR
    assert by_state["RUS"].answer_time is AnswerTime.WITHIN_24_HOURS
    assert by_state["CHN"].answer_time is AnswerTime.LATER
    assert by_state["KGZ"].answer_time is AnswerTime.NOT_AT_ALL and by_state["KGZ"].minutes is None
    assert found.counts[AnswerTime.NOT_AT_ALL] == members - 3
    assert found.test.test is True and found.test.answered == 3
    rows = list(csv.DictReader(io.StringIO(service.report_csv(found))))
    assert {r["label"] for r in rows} == {"TEST"} and len(rows) == members
    assert {r["state"]: r["answer_time"] for r in rows}["RUS"] == "within_24_hours"
    assert {r["state"]: r["minutes"] for r in rows}["KAZ"] == "59"


def test_who_may_launch_and_acknowledge(sessions: sessionmaker[Session]) -> None:
    for actor in (FP_KAZ, OBSERVER):
        with pytest.raises(PermissionDenied):
            _launch(sessions, actor)
    test_id = _launch(sessions)
    with pytest.raises(Forbidden), write_session(sessions) as session:
        service.acknowledge(session, actor=SECRETARIAT, test_id=test_id)  # no state
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.acknowledge(session, actor=OBSERVER, test_id=test_id)
    with read_session(sessions) as session:
        assert [t.id for t in service.unanswered(session, actor=FP_KGZ)] == [test_id]
    with write_session(sessions) as session:
        service.acknowledge(session, actor=FP_KGZ, test_id=test_id)
    with read_session(sessions) as session:
        assert service.unanswered(session, actor=FP_KGZ) == []


def test_a_test_is_marked_and_never_counted_as_an_event(sessions: sessionmaker[Session]) -> None:
    test_id = _launch(sessions)
    with read_session(sessions) as session:
        message = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == "preparedness.communication_test")
        ).scalar_one()
        assert message.payload["test"] is True and message.payload["title"].startswith("TEST")
        assert "KAZ" in message.payload["addressed_to"]
        for actor in (SECRETARIAT, FP_KAZ):
            assert notifications.list_events(session, actor=actor, limit=50).items == []
            day = notifications.situation(session, actor=actor, on=utcnow().date())
            assert day.active == [] and day.latest == [] and day.owed == []
            hits = search.search(session, actor=actor, q="communication test").items
            assert hits == []
        page = service.list_tests(session, actor=FP_KAZ)
    assert [t.id for t in page.items] == [test_id] and page.items[0].label == "TEST"
