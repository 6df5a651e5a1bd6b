"""Publishing into the outbox is part of the caller's transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.outbox.service import publish
from epibridge.security import Visibility


def _count(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_published_message_is_committed_with_the_change(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        message = publish(
            session,
            actor="user:fp-kaz",
            topic="notification.notified",
            entity="event",
            entity_id=7,
            payload={"title": "Cholera cluster", "onset": date(2024, 5, 1)},
            visibility=Visibility.PARTNERS,
            states=["RUS", "KGZ", "RUS"],
            exercise=True,
        )
    with read_session(sessions) as session:
        stored = session.get(OutboxMessage, message.id)
    assert stored is not None
    assert stored.payload == {"title": "Cholera cluster", "onset": "2024-05-01"}
    assert stored.states == ["KGZ", "RUS"] and stored.exercise and stored.visibility == "partners"
    assert stored.fanned_out_at is None and len(stored.id) == 36


def test_rolled_back_change_leaves_no_message(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), write_session(sessions) as session:
        publish(session, actor="t", topic="x.y", entity="e", entity_id=1, payload={"a": 1})
        raise RuntimeError("the change failed after publishing")
    assert _count(sessions) == 0
