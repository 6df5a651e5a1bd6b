"""Migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from epibridge.db import create_db_engine
from epibridge.migrate import head_revisions, migrations_dir
from epibridge.registry import Base
from epibridge.settings import Settings


def test_models_and_migrations_agree(settings: Settings) -> None:
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert tuple(sorted(context.get_current_heads())) == head_revisions()
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], differences
        assert "audit_log" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_revision_files_are_date_prefixed() -> None:
    files = sorted(p.name for p in (migrations_dir() / "versions").glob("*.py"))
    assert files
    for name in files:
        assert name[:4].isdigit() and name[4] == "_" and name[7] == "_", name
