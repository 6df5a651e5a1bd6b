"""Revision 0021 (a consultation can be closed) goes down and up again on both databases: a
closed consultation is open again below it, and the closing's columns and CHECKs come back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.consultations.schemas import ConsultationClose
from epibridge.consultations.service import close_consultation
from epibridge.db import write_session
from epibridge.migrate import alembic_config
from epibridge.settings import Settings
from tests.consultations.scenario import NOW, convene, fp

COLUMNS = {"closed_at", "closed_by", "closing_outcome", "closing_reason"}


def _migrate(settings: Settings, sessions: sessionmaker[Session], *, down: bool) -> None:
    config = alembic_config(settings.database_url)
    with sessions.kw["bind"].begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["audit_trail"] = audit.trail_for(settings)
        if down:
            command.downgrade(config, "0020")
        else:
            command.upgrade(config, "head")


def _columns(sessions: sessionmaker[Session]) -> set[str]:
    return {c["name"] for c in inspect(sessions.kw["bind"]).get_columns("consultations")}


def test_down_and_up_again(settings: Settings, sessions: sessionmaker[Session]) -> None:
    consultation_id = convene(sessions)
    with write_session(sessions) as session:
        close_consultation(
            session,
            actor=fp("KAZ"),
            consultation_id=consultation_id,
            data=ConsultationClose(outcome="withdrawn", reason="synthetic"),  # type: ignore[arg-type]
            now=NOW,
        )
    sessions.kw["bind"].dispose()
    _migrate(settings, sessions, down=True)
    assert not COLUMNS & _columns(sessions)
    with sessions.kw["bind"].begin() as connection:
        status = connection.execute(
            text("SELECT status FROM consultations WHERE id = :id"), {"id": consultation_id}
        ).scalar_one()
        assert status == "open"
    with pytest.raises(IntegrityError), sessions.kw["bind"].begin() as connection:
        connection.execute(text("UPDATE consultations SET status = 'closed'"))
    _migrate(settings, sessions, down=False)
    assert _columns(sessions) >= COLUMNS
    with pytest.raises(IntegrityError), sessions.kw["bind"].begin() as connection:
        connection.execute(text("UPDATE consultations SET closing_outcome = 'ended'"))
    with sessions.kw["bind"].begin() as connection:
        connection.execute(text("UPDATE consultations SET status = 'closed'"))
