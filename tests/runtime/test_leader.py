"""Leader election: one holder at a time, and the lock freed when its holder goes.

On PostgreSQL the holder's connection is ended by the server (as when its process is killed or
its host vanishes); on SQLite's file lock a real process holding it is killed.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from epibridge.runtime.leader import FileLeadership, PostgresLeadership
from tests.support.postgres import Cluster


@pytest.fixture
def pg_database(pg_cluster: Cluster) -> Iterator[str]:
    name = "lead_" + uuid.uuid4().hex[:10]
    pg_cluster.execute(f"CREATE DATABASE {name}")
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgres_one_leader_and_take_over_when_its_connection_ends(
    pg_cluster: Cluster, pg_database: str
) -> None:
    key = random.randint(1, 2**62)
    first, second = (
        PostgresLeadership(pg_database, key=key),
        PostgresLeadership(pg_database, key=key),
    )
    other_key = PostgresLeadership(pg_database, key=key + 1)
    try:
        assert first.poll() and first.held
        assert not second.poll() and not second.held
        assert first.poll()  # the check of a held lock keeps it
        assert other_key.poll()  # another key (another deployment's lock) is not contended
        # The server ends the leader's session, as when its process dies or its host vanishes.
        database = pg_database.rsplit("/", 1)[1]
        pg_cluster.execute(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
            f"WHERE l.locktype = 'advisory' AND l.granted AND l.objid = {key & 0xFFFFFFFF}",
            database,
        )
        deadline = time.monotonic() + 5
        while first.poll():
            assert time.monotonic() < deadline, "the leader did not notice its lost connection"
            time.sleep(0.05)
        assert not first.held
        assert second.poll() and second.held
        assert not first.poll()  # and the old leader now stands by
        second.release()
        assert first.poll()
    finally:
        for leadership in (first, second, other_key):
            leadership.release()


def test_file_lock_one_leader_and_take_over_when_its_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "var" / "scheduler.lock"
    first, second = FileLeadership(path), FileLeadership(path)
    assert first.poll() and not second.poll()
    assert path.read_text().strip().isdigit()  # the leader's pid, for the operator
    first.release()
    assert second.poll()
    second.release()

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from epibridge.runtime.leader import FileLeadership;"
            f"assert FileLeadership(Path({str(path)!r})).poll(); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not first.poll()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert first.poll()  # the kernel released the dead process's lock
    finally:
        holder.kill()
        first.release()
