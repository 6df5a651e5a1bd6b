"""Revision 0016 removes unpublishable characters from rows stored before the check, audited."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.audit import AuditEntry, verify_chain
from epibridge.db import read_session, write_session
from epibridge.migrate import alembic_config
from epibridge.notifications.models import NotificationEvent
from epibridge.security import Principal, Role
from epibridge.settings import Settings
from tests.notifications.factory import event_body

#: The revision before this one (the schema the old entrances wrote to).
BEFORE = "0015"
FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")


def _migrate(settings: Settings, target: str, sessions: sessionmaker[Session]) -> None:
    config = alembic_config(settings.database_url)
    with sessions.kw["bind"].begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_trail"] = audit.trail_for(settings)
        if target == BEFORE:
            command.downgrade(config, BEFORE)
        else:
            command.upgrade(config, target)


def test_rows_stored_before_the_check_are_cleaned_and_audited(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from epibridge.notifications import service
    from epibridge.notifications.schemas import NotificationCreate

    # The event is made by today's service on today's schema (its tables have columns the old
    # one lacks), then the database goes back to 0015, where the old entrances wrote.
    with write_session(sessions) as session:
        event = service.create(
            session,
            actor=FP_KAZ,
            # 0015's counts are NOT NULL (0020 made "not reported" possible): give all four.
            data=NotificationCreate(**event_body(visibility="public", probable_cases=0)),
        )
        event_id = event.id
    _migrate(settings, BEFORE, sessions)
    with write_session(sessions) as session:
        # What the old entrances let through: written straight to the table, as they did.
        session.execute(
            text(
                "UPDATE notification_events SET title = :title, description = :description "
                "WHERE id = :id"
            ),
            {"title": "Synthetic\x01 test\x85", "description": "a\x7fb\x0bc\td", "id": event_id},
        )
        session.execute(text("UPDATE outbox_messages SET actor = :actor"), {"actor": "fp-kaz\x1f"})
    with read_session(sessions) as session:
        before = session.execute(select(AuditEntry.id)).scalars().all()
    _migrate(settings, "heads", sessions)
    with read_session(sessions) as session:
        stored = session.get(NotificationEvent, event_id)
        assert stored is not None
        assert (stored.title, stored.description) == ("Synthetic test", "abc\td")
        added = session.execute(select(AuditEntry).where(AuditEntry.id.not_in(before))).scalars()
        entries = {(e.entity, e.entity_id): e for e in added}
        assert entries[("notification_events", str(event_id))].actor == "system:migration-0016"
        assert entries[("notification_events", str(event_id))].detail == {
            "removed_characters": {"title": 2, "description": 2}
        }
        assert any(entity == "outbox_messages" for entity, _ in entries)
        assert verify_chain(session)[1] is None
    # Run again: nothing left to clean, nothing audited.
    _migrate(settings, BEFORE, sessions)
    _migrate(settings, "heads", sessions)
    with read_session(sessions) as session:
        assert session.execute(select(AuditEntry.id)).scalars().all()[-1] == max(
            e.id for e in entries.values()
        )
