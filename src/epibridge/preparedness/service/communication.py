"""Communication tests: the Secretariat's TEST message to every focal point, and the answers.

As WHO does with the National IHR Focal Points, the test checks that each state's contacts
are reached by every channel they subscribed to (the web page, e-mail, webhooks) and answer.
It goes out through the outbox addressed to every member state (``ADDRESSED_TO``), so it
reaches each of their subscribers whatever their topic filters. It is marked TEST in its topic,
its title, its payload (``"test": true``) and every e-mail subject, and it lives in tables of
its own: no event list, count, search or scorecard reads them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, Forbidden, NotFound
from epibridge.i18n import N_
from epibridge.members import service as org
from epibridge.notifications.outbox.deliveries import ADDRESSED_TO
from epibridge.notifications.outbox.service import publish
from epibridge.paging import Page
from epibridge.preparedness.models import CommunicationTest, CommunicationTestAnswer
from epibridge.preparedness.schemas import (
    CommunicationTestCreate,
    CommunicationTestRead,
    CommunicationTestReport,
    TestAnswerRead,
)
from epibridge.preparedness.statuses import AnswerTime
from epibridge.security import Action, Principal, authorize, decide

ENTITY = "communication_test"
TOPIC = "preparedness.communication_test"
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)


def _answers(session: Session, test_id: int) -> dict[str, CommunicationTestAnswer]:
    rows = session.execute(
        select(CommunicationTestAnswer).where(CommunicationTestAnswer.test_id == test_id)
    ).scalars()
    return {row.state: row for row in rows}


def to_read(test: CommunicationTest, answered: int) -> CommunicationTestRead:
    return CommunicationTestRead(
        id=test.id,
        launched_at=test.launched_at,
        launched_by=test.launched_by,
        note=test.note,
        states=list(test.states),
        answered=answered,
    )


def launch(
    session: Session,
    *,
    actor: Principal,
    data: CommunicationTestCreate,
    now: datetime | None = None,
) -> CommunicationTest:
    """Send a TEST message to the focal points of every member state of today."""
    authorize(actor, Action.COORDINATE)
    now = now or utcnow()
    states = sorted(s.iso3 for s in org.members_on(session, on=now.date()))
    note = data.note.strip() if data.note and data.note.strip() else None
    test = CommunicationTest(
        launched_at=now, launched_by=actor.actor, note=note, states=states, message_id=""
    )
    session.add(test)
    session.flush()
    message = publish(
        session,
        actor=actor.actor,
        topic=TOPIC,
        entity=ENTITY,
        entity_id=test.id,
        payload={
            "test": True,
            "label": "TEST",
            "title": f"TEST — IHR communication test {test.id}: please acknowledge",
            "test_id": test.id,
            "note": note,
            ADDRESSED_TO: states,
            "link": f"/preparedness/tests/{test.id}",
            "acknowledge": f"/api/v1/preparedness/communication-tests/{test.id}/acknowledge",
        },
    )
    test.message_id = message.id
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="launch",
        entity=ENTITY,
        entity_id=test.id,
        state={"states": states, "note": note, "message_id": message.id, "test": True},
    )
    return test


def get_test(session: Session, *, actor: Principal, test_id: int) -> CommunicationTest:
    authorize(actor, Action.READ_MEMBERS)
    test = session.get(CommunicationTest, test_id)
    if test is None:
        raise NotFound(
            N_("no communication test {test_id}"),
            [FieldError("test_id", N_("unknown communication test"), test_id)],
            params={"test_id": test_id},
        )
    return test


def list_tests(
    session: Session, *, actor: Principal, cursor: str | None = None, limit: int = 50
) -> Page[CommunicationTestRead]:
    """Every communication test, newest first, with how many states answered."""
    authorize(actor, Action.READ_MEMBERS)

    def convert(batch: list[CommunicationTest]) -> list[CommunicationTestRead]:
        counts = dict(
            session.execute(
                select(CommunicationTestAnswer.test_id, func.count())
                .where(CommunicationTestAnswer.test_id.in_([t.id for t in batch]))
                .group_by(CommunicationTestAnswer.test_id)
            ).all()
        )
        return [to_read(t, int(counts.get(t.id, 0))) for t in batch]

    return paging.page(
        session,
        select(CommunicationTest),
        paging.Order(CommunicationTest.id, descending=True),
        cursor=cursor,
        limit=limit,
        convert=convert,
    )


def acknowledge(
    session: Session, *, actor: Principal, test_id: int, now: datetime | None = None
) -> TestAnswerRead:
    """Record that the caller's state received the test; its first acknowledgement counts."""
    authorize(actor, Action.CONTRIBUTE)
    test = get_test(session, actor=actor, test_id=test_id)
    state = actor.state
    if state is None:
        raise Forbidden(
            N_("a communication test is acknowledged by a member state's focal point"),
            [FieldError("state", N_("this account belongs to no state"))],
        )
    if state not in test.states:
        raise Conflict(
            N_("{state} was not a member state when test {test_id} was sent"),
            [FieldError("state", N_("not addressed by this test"), state)],
            params={"state": state, "test_id": test_id},
        )
    existing = _answers(session, test.id).get(state)
    if existing is None:
        existing = CommunicationTestAnswer(
            test_id=test.id,
            state=state,
            acknowledged_at=now or utcnow(),
            acknowledged_by=actor.actor,
        )
        session.add(existing)
        session.flush()
        audit.record(
            session,
            actor=actor.actor,
            action="acknowledge",
            entity=ENTITY,
            entity_id=test.id,
            state={"state": state, "acknowledged_at": existing.acknowledged_at, "test": True},
        )
    return answer_read(test, state, existing)


def answer_time(test: CommunicationTest, answer: CommunicationTestAnswer | None) -> AnswerTime:
    if answer is None:
        return AnswerTime.NOT_AT_ALL
    waited = answer.acknowledged_at - test.launched_at
    if waited <= HOUR:
        return AnswerTime.WITHIN_1_HOUR
    return AnswerTime.WITHIN_24_HOURS if waited <= DAY else AnswerTime.LATER


def answer_read(
    test: CommunicationTest, state: str, answer: CommunicationTestAnswer | None
) -> TestAnswerRead:
    minutes = None
    if answer is not None:
        minutes = int((answer.acknowledged_at - test.launched_at).total_seconds() // 60)
    return TestAnswerRead(
        state=state,
        acknowledged_at=answer.acknowledged_at if answer else None,
        acknowledged_by=answer.acknowledged_by if answer else None,
        minutes=minutes,
        answer_time=answer_time(test, answer),
    )


def report(session: Session, *, actor: Principal, test_id: int) -> CommunicationTestReport:
    """Each addressed state's answer: within 1 hour, within 24 hours, later, or not at all."""
    test = get_test(session, actor=actor, test_id=test_id)
    found = _answers(session, test.id)
    answers = [answer_read(test, state, found.get(state)) for state in test.states]
    counts = {kind: sum(1 for a in answers if a.answer_time is kind) for kind in AnswerTime}
    return CommunicationTestReport(test=to_read(test, len(found)), answers=answers, counts=counts)


def unanswered(session: Session, *, actor: Principal, limit: int = 5) -> list[CommunicationTest]:
    """The newest tests the caller's state has not acknowledged (the web notice shows them);
    none for an account that cannot acknowledge (no state, or an observer)."""
    if actor.state is None or not decide(actor, Action.CONTRIBUTE).allowed:
        return []
    answered = select(CommunicationTestAnswer.test_id).where(
        CommunicationTestAnswer.state == actor.state
    )
    rows = session.execute(
        select(CommunicationTest)
        .where(CommunicationTest.id.not_in(answered))
        .order_by(CommunicationTest.id.desc())
        .limit(limit * 4)
    ).scalars()
    return [t for t in rows if actor.state in t.states][:limit]


CSV_COLUMNS = ("test_id", "label", "state", "acknowledged_at", "minutes", "answer_time")


def report_csv(found: CommunicationTestReport) -> str:
    """The report as CSV, one row per addressed state; every row says TEST."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for answer in found.answers:
        writer.writerow(
            (
                found.test.id,
                "TEST",
                answer.state,
                answer.acknowledged_at.isoformat() if answer.acknowledged_at else "",
                "" if answer.minutes is None else answer.minutes,
                answer.answer_time.value,
            )
        )
    return out.getvalue()
