"""The backup and restore steps of docs/deployment.md, run as written, on both databases.

PostgreSQL: ``pg_dump --format=custom`` then ``pg_restore --no-owner`` into a new database;
SQLite: ``sqlite3 DB ".backup FILE"`` then the copy put in place. In both the audit checkpoint
is signed just before the backup and the checkpoint file is kept with it; the restored database
then verifies against that file (``epibridge audit verify`` exits 0), holds the same rows in
every table as the source did at backup time, and against the live checkpoint file, which saw
writes after the backup, it names what the restore rolled back (exit 1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url

from epibridge.db import create_db_engine, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.settings import Settings
from tests.helpers import make_user
from tests.notifications.factory import FP_KAZ, event_body
from tests.support.postgres import Cluster

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")


def epibridge(
    settings: Settings, *args: str, url: str | None = None, checkpoints: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": url or settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }
    if checkpoints is not None:
        env["EPIBRIDGE_AUDIT_CHECKPOINTS"] = str(checkpoints)
    return subprocess.run([EPIBRIDGE, *args], env=env, capture_output=True, text=True, timeout=120)


def counts(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            return {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in names
            }
    finally:
        engine.dispose()


def write_some(settings: Settings, label: str) -> None:
    from epibridge import audit
    from epibridge.db import make_sessionmaker

    engine = create_db_engine(settings.database_url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    try:
        make_user(sessions, f"fp-{label}", "focal_point", "KAZ")
        with write_session(sessions) as session:
            data = NotificationCreate.model_validate(event_body(title=f"Synthetic {label}"))
            notifications.create(session, actor=FP_KAZ, data=data)
    finally:
        engine.dispose()


def libpq(url: str) -> str:
    """The URL as pg_dump and psql take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_steps(cluster: Cluster, url: str, backup: Path) -> tuple[Callable[[], None], str]:
    """The dump now, and the restore (into a new database) to run later."""
    tool = cluster.bindir
    subprocess.run(
        [str(tool / "pg_dump"), "--format=custom", f"--file={backup}", libpq(url)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    name = "restored_" + uuid.uuid4().hex[:8]
    restored = cluster.url(name)

    def restore() -> None:
        cluster.execute(f"CREATE DATABASE {name}")
        subprocess.run(
            [str(tool / "pg_restore"), "--no-owner", f"--dbname={libpq(restored)}", str(backup)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    return restore, restored


def sqlite_steps(url: str, backup: Path) -> tuple[Callable[[], None], str]:
    source = Path(make_url(url).database or "")
    subprocess.run(["sqlite3", str(source), f".backup '{backup}'"], check=True, capture_output=True)
    integrity = subprocess.run(
        ["sqlite3", str(backup), "PRAGMA integrity_check"], capture_output=True, text=True
    )
    assert integrity.stdout.strip() == "ok", integrity
    target = source.with_name("restored.db")

    def restore() -> None:
        shutil.copyfile(backup, target)  # with no -wal or -shm beside it: a clean file

    return restore, f"sqlite:///{target}"


def test_backup_and_restore_keep_every_row_and_a_verifiable_audit_chain(
    settings: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    write_some(settings, "before")
    checkpoint = epibridge(settings, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    backups = tmp_path / "backups"
    backups.mkdir()
    at_backup = counts(settings.database_url)
    if settings.database_url.startswith("sqlite"):
        restore, restored = sqlite_steps(settings.database_url, backups / "epibridge.db")
    else:
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        restore, restored = pg_steps(cluster, settings.database_url, backups / "epibridge.dump")
    kept = backups / "audit-checkpoints.jsonl"
    shutil.copyfile(settings.var_dir / "audit-checkpoints.jsonl", kept)

    # Life goes on after the backup, and a later checkpoint covers the new entries.
    write_some(settings, "after")
    assert epibridge(settings, "audit", "checkpoint").returncode == 0
    restore()

    assert counts(restored) == at_backup
    verified = epibridge(settings, "audit", "verify", url=restored, checkpoints=kept)
    assert verified.returncode == 0, verified.stderr + verified.stdout
    entries = at_backup["audit_log"]
    assert f"audit chain intact: {entries} entries verified" in verified.stdout
    # The live checkpoint file remembers entries the restore rolled back, and says so.
    rolled_back = epibridge(settings, "audit", "verify", url=restored)
    assert rolled_back.returncode == 1
    assert "is gone" in rolled_back.stderr, rolled_back.stderr
