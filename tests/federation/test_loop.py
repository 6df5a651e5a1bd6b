"""The federation loop wakes for a commit that queued an outbox message, and for nothing else."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.federation.transport import loop
from epibridge.notifications.outbox import service as outbox


def _publish(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        outbox.publish(
            session,
            actor="tester",
            topic="test.loop",
            entity="test",
            entity_id=1,
            payload={"synthetic": True},
        )


def test_a_commit_that_queued_an_outbox_message_wakes_the_loop(
    sessions: sessionmaker[Session],
) -> None:
    with loop.woken_by_commits() as woken:
        woken.clear()
        with write_session(sessions):
            pass  # a commit with nothing queued
        assert not woken.is_set()
        _publish(sessions)
        assert woken.is_set()
        woken.clear()
    _publish(sessions)  # no loop listening any more
    assert not woken.is_set()
