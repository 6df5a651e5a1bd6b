"""Revision 0022 closes the outbox's two vocabularies with CHECK constraints, both ways.

A row another value had slipped into stops the upgrade with the column named (PostgreSQL would
refuse the constraint, SQLite would take it silently); after it, the databases refuse such a
value themselves; the downgrade takes the constraints off again.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.migrate import alembic_config
from epibridge.settings import Settings

BEFORE = "0021"
_INSERT = text(
    "INSERT INTO outbox_subscriptions (owner_user_id, owner_name, kind, url, language, topics, "
    "states, include_exercises, active, created_at, updated_at) VALUES (1, 'fp-kaz', :kind, "
    "'https://example.org/hook', 'en', '[]', '[]', false, true, :now, :now)"
)
_NOW = "2026-12-09 10:00:00+00:00"


def _migrate(settings: Settings, sessions: sessionmaker[Session], *, down: bool = False) -> None:
    config = alembic_config(settings.database_url)
    with sessions.kw["bind"].begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_trail"] = audit.trail_for(settings)
        if down:
            command.downgrade(config, BEFORE)
        else:
            command.upgrade(config, "heads")


def _subscribe(sessions: sessionmaker[Session], kind: str) -> None:
    with sessions.begin() as session:
        session.execute(_INSERT, {"kind": kind, "now": _NOW})


def _deliver(sessions: sessionmaker[Session]) -> None:
    """One pending delivery of one message to the first subscription."""
    with sessions.begin() as session:
        session.execute(
            text(
                "INSERT INTO outbox_messages (id, created_at, topic, visibility, exercise, states, "
                "entity, entity_id, actor, payload) VALUES ('m-1', :now, 'test', 'public', false, "
                "'[]', 'test', '1', 'system:test', '{}')"
            ),
            {"now": _NOW},
        )
        session.execute(
            text(
                "INSERT INTO outbox_deliveries (message_id, subscription_id, status, attempts, "
                "created_at, window_start, next_attempt_at) SELECT 'm-1', MIN(id), 'pending', 0, "
                ":now, :now, :now FROM outbox_subscriptions"
            ),
            {"now": _NOW},
        )


def test_the_outbox_checks_come_and_go(settings: Settings, sessions: sessionmaker[Session]) -> None:
    _migrate(settings, sessions, down=True)
    _subscribe(sessions, "sms")  # nothing refuses it before 0022
    with pytest.raises(RuntimeError, match=r"outbox_subscriptions\.kind: 1 row"):
        _migrate(settings, sessions)
    with sessions.begin() as session:
        session.execute(text("UPDATE outbox_subscriptions SET kind = 'email'"))
    _migrate(settings, sessions)
    with pytest.raises(IntegrityError, match=r"ck_outbox_subscriptions_kind|CHECK"):
        _subscribe(sessions, "sms")
    _deliver(sessions)
    with pytest.raises(IntegrityError, match=r"ck_outbox_deliveries_status|CHECK"):  # noqa: SIM117
        with sessions.begin() as session:
            session.execute(text("UPDATE outbox_deliveries SET status = 'lost'"))
    _migrate(settings, sessions, down=True)
    _subscribe(sessions, "sms")  # the downgrade took the constraint off
    with sessions.begin() as session:
        session.execute(text("DELETE FROM outbox_subscriptions WHERE kind = 'sms'"))
    _migrate(settings, sessions)
