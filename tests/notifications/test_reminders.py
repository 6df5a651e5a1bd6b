"""Automatic acknowledgement reminders (what the scheduler sends): at 24, 48 and 72 hours after
notification to the states still silent, postponed by a manual reminder, never for drafts,
closed or fully acknowledged events, nor for events older than the window.

Time passes by moving what was recorded (notification and message times) into the past, so the
service runs at the real moment as the scheduler does.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.members import service as members
from epibridge.notifications import service
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas import NotificationClose, NotificationCreate
from epibridge.security import Principal, system_principal
from tests.notifications.factory import FP_KAZ, FP_RUS, SECRETARIAT, event_body, messages

SCHEDULER = system_principal("scheduler")
DAY = timedelta(hours=24)


def elapse(sessions: sessionmaker[Session], hours: float) -> None:
    """Let ``hours`` pass: every notification and message happened that much earlier."""
    shift = timedelta(hours=hours)
    with write_session(sessions) as session:
        for event in session.execute(select(NotificationEvent)).scalars():
            if event.notified_at is not None:
                event.notified_at -= shift
        for message in session.execute(select(OutboxMessage)).scalars():
            message.created_at -= shift


def create(sessions: sessionmaker[Session], **overrides: object) -> int:
    with write_session(sessions) as session:
        data = NotificationCreate.model_validate(event_body(**overrides))
        return service.create(session, actor=FP_KAZ, data=data).id


def due(sessions: sessionmaker[Session], actor: Principal = SCHEDULER) -> dict[int, list[str]]:
    with write_session(sessions) as session:
        return service.remind_due(session, actor=actor, every=DAY)


def others(sessions: sessionmaker[Session]) -> list[str]:
    with read_session(sessions) as session:
        today = utcnow().date()
        return sorted(s.iso3 for s in members.members_on(session, on=today) if s.iso3 != "KAZ")


def test_reminders_at_one_two_three_days_to_the_silent_states(
    sessions: sessionmaker[Session],
) -> None:
    event_id = create(sessions)
    assert due(sessions) == {}
    elapse(sessions, 23)
    assert due(sessions) == {}
    elapse(sessions, 1.5)  # 24.5 h after notification
    everyone = others(sessions)
    assert sorted(due(sessions)[event_id]) == everyone
    assert due(sessions) == {}  # the second is due at 48 h
    reminders = messages(sessions, "notification.reminder")
    assert [(m.actor, m.entity_id) for m in reminders] == [("system:scheduler", str(event_id))]
    assert sorted(reminders[0].states) == everyone

    with write_session(sessions) as session:
        service.acknowledge(session, actor=FP_RUS, event_id=event_id)
    elapse(sessions, 24)  # 48.5 h
    second = due(sessions)[event_id]
    assert "RUS" not in second and sorted([*second, "RUS"]) == everyone

    elapse(sessions, 23)  # 71.5 h: the Secretariat reminds by hand
    with write_session(sessions) as session:
        service.remind(session, actor=SECRETARIAT, event_id=event_id)
    elapse(sessions, 1)  # 72.5 h: the third is due, but a reminder went out an hour ago
    assert due(sessions) == {}
    elapse(sessions, 24)  # 96.5 h: past the window, the event is left alone
    assert due(sessions) == {}
    assert len(messages(sessions, "notification.reminder")) == 3


def test_no_reminder_for_drafts_closed_or_acknowledged_events(
    sessions: sessionmaker[Session],
) -> None:
    create(sessions, status="draft")
    closed = create(sessions)
    with write_session(sessions) as session:
        service.close(
            session, actor=FP_KAZ, event_id=closed, data=NotificationClose(reason="Synthetic.")
        )
    acknowledged = create(sessions)
    for state in others(sessions):
        actor = Principal(user_id=100, name=f"fp-{state.lower()}", role=FP_RUS.role, state=state)
        with write_session(sessions) as session:
            service.acknowledge(session, actor=actor, event_id=acknowledged)
    elapse(sessions, 25)
    assert due(sessions) == {}
    assert messages(sessions, "notification.reminder") == []
