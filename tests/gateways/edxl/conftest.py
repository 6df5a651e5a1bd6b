"""A second, fresh database beside the test's own: exports of one are imported into the other."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker
from epibridge.settings import Settings


@pytest.fixture
def fresh_sessions(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    """A migrated database of the same backend as ``db_url``, with nothing imported yet."""
    var = tmp_path / "fresh-var"
    if db_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "fresh.db"
        shutil.copyfile(template, path)
        shutil.copytree(template.parent / "var", var, dirs_exist_ok=True)
        url, drop = f"sqlite:///{path}", None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        shutil.copytree(
            request.getfixturevalue("tmp_path_factory").getbasetemp() / "pg-template-var",
            var,
            dirs_exist_ok=True,
        )
        name = "f_" + uuid.uuid4().hex[:12]
        cluster.execute(f"CREATE DATABASE {name} TEMPLATE epibridge_template")
        url, drop = cluster.url(name), name
    settings = Settings(database_url=url, var_dir=var, secret_key="test-secret")
    engine = create_db_engine(url)
    try:
        yield make_sessionmaker(engine, audit=audit.trail_for(settings))
    finally:
        engine.dispose()
        if drop:
            cluster.execute(f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)")
