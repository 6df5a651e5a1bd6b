"""Fixtures shared by the whole suite.

Every storage-touching test takes the ``db_url`` fixture and so runs twice: on SQLite and on
PostgreSQL (a throw-away cluster started for the run). Each test gets its own database, copied
from a template that was migrated once and has the SCO profile loaded.
Set EPIBRIDGE_TEST_BACKENDS=sqlite to run only the SQLite half while developing.
The template's audit keys and checkpoints (its ``var`` folder) are copied with it, since its
first audit entry is keyed with them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit, migrate
from epibridge.db import create_db_engine, make_sessionmaker
from epibridge.settings import Settings
from tests.support.postgres import Cluster, start_cluster

# numba (under scoringrules, a reference of the nowcasting scores) caches what it compiles
# beside the installed package; two workers writing that cache at once can leave a file that
# crashes the next process reading it (a segmentation fault). Each worker keeps its own.
os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    os.path.join(
        tempfile.gettempdir(),
        f"epibridge-numba-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}",
    ),
)

#: The tests' HTTP client waits this long for an answer. They check behaviour, not latency
#: (benchmarks/ measures that); httpx's 5 s default failed a request to a live server on a
#: loaded two-core CI machine. Set once here, for every client and shortcut.
PATIENT = httpx.Timeout(30.0)
for _call in (httpx.Client.__init__, httpx.AsyncClient.__init__, httpx.request, httpx.get):
    _call.__kwdefaults__["timeout"] = PATIENT
for _call in (httpx.post, httpx.put, httpx.patch, httpx.delete, httpx.head, httpx.options):
    _call.__kwdefaults__["timeout"] = PATIENT

BACKENDS = [
    b for b in os.environ.get("EPIBRIDGE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("EPIBRIDGE_TEST_ARTIFACTS", "test-artifacts")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated SQLite file; its var folder (audit keys, checkpoints) is ``var`` beside it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(Settings(database_url=f"sqlite:///{path}", var_dir=path.parent / "var"))
    return path


def _pg_template_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "pg-template-var"


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        cluster.execute("CREATE DATABASE epibridge_template")
        migrate.upgrade(
            Settings(
                database_url=cluster.url("epibridge_template"),
                var_dir=_pg_template_var(tmp_path_factory),
            )
        )
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test, migrated and with the SCO profile loaded."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        shutil.copytree(template.parent / "var", tmp_path / "var", dirs_exist_ok=True)
        yield f"sqlite:///{path}"
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    shutil.copytree(
        _pg_template_var(request.getfixturevalue("tmp_path_factory")),
        tmp_path / "var",
        dirs_exist_ok=True,
    )
    name = "t_" + uuid.uuid4().hex[:12]
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE epibridge_template")
    try:
        yield cluster.url(name)
    finally:
        cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, var_dir=tmp_path / "var", secret_key="test-secret")


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = create_db_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine, audit=audit.trail_for(settings))
    finally:
        engine.dispose()


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    """The base URL of the real application served over HTTP on this test's database."""
    from tests.support.server import live_server

    with live_server(settings) as base:
        yield base
