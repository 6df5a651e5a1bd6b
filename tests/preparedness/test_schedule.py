"""The in-process scheduler sends the yearly directory reminders, once."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from epibridge.runtime.schedule import Scheduler, default_jobs
from epibridge.settings import Settings
from tests.notifications.factory import messages


def test_the_scheduler_reminds_each_member_state_once(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    jobs = [j for j in default_jobs() if j.name == "IHR directory confirmation reminders"]
    assert len(jobs) == 1
    for _ in range(2):
        Scheduler(sessions, settings, jobs=jobs).run(once=True)
    sent = messages(sessions, "preparedness.directory_reminder")
    states = [m.entity_id for m in sent]
    assert len(states) == len(set(states)) >= 9 and {"KAZ", "RUS", "CHN"} <= set(states)
    assert all(
        m.actor == "system:scheduler" and m.payload["addressed_to"] == [m.entity_id] for m in sent
    )
