"""Migration 0015 drops the receivers' answers that deliveries stored in ``last_error``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import insert, select

from epibridge.db import create_db_engine, utcnow
from epibridge.migrate import alembic_config
from epibridge.notifications.outbox.models import Delivery, OutboxMessage, Subscription

FORMER = {
    "HTTP 500: SECRET-INTERNAL-BANNER postgres": "http_5xx",
    "HTTP 404: <html>not here</html>": "http_4xx",
    "timeout: ReadTimeout": "timeout",
    "connection: TLS certificate of 10.0.0.1 not trusted: self-signed certificate": "tls",
    "connection: ConnectionRefusedError: [Errno 111] Connect call failed": "connection_refused",
    "SMTP 550: b'no such user'": "smtp_5xx",
    "unexpected: KeyError('x')": "unexpected",
}


def test_stored_answers_become_their_class(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0015").down_revision
    assert isinstance(before, str)
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, before)
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(
                insert(OutboxMessage.__table__),
                [
                    {
                        "id": f"m{i}",
                        "created_at": now,
                        "topic": "notification.notified",
                        "visibility": "members",
                        "exercise": False,
                        "states": [],
                        "entity": "notification",
                        "entity_id": str(i),
                        "actor": "test",
                        "payload": {},
                    }
                    for i in range(1, len(FORMER) + 1)
                ],
            )
            connection.execute(
                insert(Subscription.__table__).values(
                    id=1,
                    owner_user_id=1,
                    owner_name="fp-kaz",
                    kind="webhook",
                    url="http://10.0.0.1/",
                    language="en",
                    topics=[],
                    states=[],
                    include_exercises=True,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            for i, text in enumerate(FORMER, start=1):
                connection.execute(
                    insert(Delivery.__table__).values(
                        id=i,
                        message_id=f"m{i}",
                        subscription_id=1,
                        status="dead",
                        attempts=1,
                        created_at=now,
                        window_start=now,
                        next_attempt_at=now,
                        last_error=text,
                    )
                )
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        with engine.connect() as connection:
            table = Delivery.__table__
            stored = dict(connection.execute(select(table.c.id, table.c.last_error)).all())
    finally:
        engine.dispose()
    assert [stored[i] for i in range(1, len(FORMER) + 1)] == list(FORMER.values())
