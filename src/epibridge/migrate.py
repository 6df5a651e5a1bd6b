"""Apply Alembic migrations, then load the organization profile into a new database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import epibridge
from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker, write_session
from epibridge.members import service as org
from epibridge.settings import Settings


def migrations_dir() -> Path:
    """The Alembic scripts folder of this checkout (``migrations/`` beside ``src/``)."""
    path = Path(epibridge.__file__).resolve().parents[2] / "migrations"
    if not (path / "env.py").is_file():
        raise RuntimeError(
            f"migrations not found at {path}; "
            "install epibridge from its repository (pip install -e .)"
        )
    return path


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revisions() -> tuple[str, ...]:
    """The newest revision of each branch (domains may branch off a shared revision)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def upgrade(settings: Settings, *, load_profile: bool = True) -> dict[str, object]:
    """Bring the schema to the newest revision; load the profile when the database is new."""
    config = alembic_config(settings.database_url)
    engine = create_db_engine(settings.database_url)
    trail = audit.trail_for(settings)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            # A data migration that audits its changes keys them with this deployment's trail:
            # Session(bind=connection, info={db.AUDIT_TRAIL: config.attributes["audit_trail"]}).
            config.attributes["audit_trail"] = trail
            command.upgrade(config, "heads")
        loaded = False
        if load_profile:
            sessions = make_sessionmaker(engine, audit=trail)
            with write_session(sessions) as session:
                if not org.profile_loaded(session):
                    org.load_profile(
                        session,
                        actor=org.PROFILE_ACTOR,
                        document=org.read_profile(settings.profile),
                    )
                    loaded = True
        tables = sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return {
        "revision": ", ".join(head_revisions()),
        "profile_loaded": loaded,
        "tables": len(tables),
    }
