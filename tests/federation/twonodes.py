"""Two databases standing for two nodes, and carrying outbox messages from one to the other.

The origin is a second SQLite file copied from the migrated template; the receiver is the
test's own database (``sessions``: SQLite and PostgreSQL). Envelopes are built directly: their
signatures are fedcore's to check, the topics' builders and appliers are what is tested here.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import jsonschema_rs
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker, read_session, write_session
from epibridge.federation import body_schemas, handlers
from epibridge.federation.messages import SCHEMA_VERSION, Envelope, Outgoing
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.settings import Settings

KAZ_NODE = "kaz-node"


@contextmanager
def second_node(template: Path, folder: Path) -> Iterator[sessionmaker[Session]]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "origin.db"
    shutil.copyfile(template, path)
    shutil.copytree(template.parent / "var", folder / "var", dirs_exist_ok=True)
    settings = Settings(database_url=f"sqlite:///{path}", var_dir=folder / "var")
    engine = create_db_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine, audit=audit.trail_for(settings))
    finally:
        engine.dispose()


def outbox_after(sessions: sessionmaker[Session], seen: set[str]) -> list[OutboxMessage]:
    """The outbox messages not handled yet, in order (what the exporter reads)."""
    with read_session(sessions) as session:
        rows = session.execute(
            select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        ).scalars()
        fresh = [m for m in rows if m.id not in seen]
        for message in fresh:
            session.expunge(message)
    seen.update(m.id for m in fresh)
    return fresh


def export(sessions: sessionmaker[Session], seen: set[str]) -> list[Outgoing]:
    """What the exporter would send for the outbox messages not handled yet.

    Every body with a shipped JSON Schema is validated against it (an independent validator),
    so each topic test also shows that the real bodies match the published schemas.
    """
    out: list[Outgoing] = []
    for message in outbox_after(sessions, seen):
        with read_session(sessions) as session:
            out.extend(handlers.build(session, message))
    for item in out:
        if body_schemas.path_for(item.topic).exists():
            validator = jsonschema_rs.Draft202012Validator(
                body_schemas.load(item.topic), validate_formats=True
            )
            validator.validate(item.body)
    return out


def envelope(out: Outgoing, *, node: str = KAZ_NODE, state: str | None = "KAZ") -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        origin_node=node,
        origin_state=state,
        created=datetime.now(UTC),
        topic=out.topic,
        schema_version=SCHEMA_VERSION,
        body=out.body,
        kid="test-key",
        token="",
    )


def deliver(
    sessions: sessionmaker[Session], outgoing: list[Outgoing], **origin: str | None
) -> None:
    """Apply each message in its own transaction, as the inbox does."""
    for out in outgoing:
        with write_session(sessions) as session:
            handlers.apply(session, envelope(out, **origin))  # type: ignore[arg-type]
