"""Database down: 503 with Retry-After (API, web, health), one worker log line each way.

On PostgreSQL for real: a cluster of this test's own is stopped under a running server and
worker, then started again. The shared test cluster is left alone (other tests use it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit, migrate
from epibridge.db import create_db_engine, is_unavailable, make_sessionmaker
from epibridge.notifications.outbox.worker import Worker, WorkerOptions
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.support.postgres import Cluster, free_port, start_cluster
from tests.support.server import live_server


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[tuple[Cluster, Settings]]:
    # No skip: `make test` installs PostgreSQL, so a missing server fails this test loudly.
    cluster = start_cluster()
    try:
        cluster.execute("CREATE DATABASE outage")
        settings = Settings(
            database_url=cluster.url("outage"), var_dir=tmp_path / "var", secret_key="test"
        )
        migrate.upgrade(settings)
        yield cluster, settings
    finally:
        cluster.stop()


def _is_503(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"].isdigit()


def test_api_web_and_health_answer_503_while_postgresql_is_down(
    own_cluster: tuple[Cluster, Settings],
) -> None:
    cluster, settings = own_cluster
    engine = create_db_engine(settings.database_url)
    token = bearer(
        make_user(
            make_sessionmaker(engine, audit=audit.trail_for(settings)),
            "fp-kaz",
            "focal_point",
            "KAZ",
        )
    )
    engine.dispose()
    with live_server(settings) as base:
        health = httpx.get(f"{base}/api/v1/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok" and health.json()["database"] == "postgresql"
        assert httpx.get(f"{base}/api/v1/notifications", headers=token).status_code == 200

        cluster.pause()
        down = httpx.get(f"{base}/api/v1/health")
        _is_503(down)
        assert down.json()["status"] == "degraded"
        assert down.json()["database"]["state"] == "unavailable"
        assert down.json()["database"]["backend"] == "postgresql"
        listed = httpx.get(f"{base}/api/v1/notifications", headers=token)
        _is_503(listed)
        assert listed.headers["content-type"].startswith("application/problem+json")
        assert listed.json()["status"] == 503
        # A write with an Idempotency-Key fails in the middleware, before any route.
        keyed = httpx.post(
            f"{base}/api/v1/subscriptions",
            headers={**token, "Idempotency-Key": "outage-1"},
            json={"kind": "email", "email": "duty@example.org"},
        )
        _is_503(keyed)
        # The public dashboard reads the database: a browser gets a page, not JSON.
        page = httpx.get(f"{base}/", headers={"Accept": "text/html"})
        _is_503(page)
        assert page.headers["content-type"].startswith("text/html")
        assert "database is unavailable" in page.text
        # ... in the reader's language.
        russian = httpx.get(f"{base}/", headers={"Accept": "text/html", "Accept-Language": "ru"})
        _is_503(russian)
        assert "<html lang='ru'>" in russian.text and "База данных недоступна" in russian.text

        cluster.resume()
        deadline = time.monotonic() + 10
        while httpx.get(f"{base}/api/v1/health").status_code != 200:
            assert time.monotonic() < deadline, "health stayed 503 after the database returned"
            time.sleep(0.1)
        assert httpx.get(f"{base}/api/v1/notifications", headers=token).status_code == 200


def test_a_closed_port_is_503_from_the_first_request(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    settings = Settings(database_url=url, var_dir=tmp_path / "var", secret_key="test")
    with live_server(settings, healthy=False) as base:
        _is_503(httpx.get(f"{base}/api/v1/health"))
        answer = httpx.get(f"{base}/api/v1/notifications", headers={"Authorization": "Bearer x"})
        _is_503(answer)
        assert answer.json()["type"].endswith("database-unavailable")


def test_the_worker_logs_one_line_when_the_database_goes_and_one_when_it_returns(
    own_cluster: tuple[Cluster, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    cluster, settings = own_cluster
    engine = create_db_engine(settings.database_url)
    sessions: sessionmaker[Session] = make_sessionmaker(engine, audit=audit.trail_for(settings))
    caplog.set_level(logging.INFO, logger="epibridge.worker")
    worker = Worker(sessions, settings, WorkerOptions(poll=0.05))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        cluster.pause()
        time.sleep(3)  # ~6 polls at the 0.5 s outage pause, ~60 at the normal 0.05 s
        cluster.resume()
        time.sleep(2)
    finally:
        worker.stop()
        thread.join(timeout=20)
        engine.dispose()
    lines = [r for r in caplog.records if r.name == "epibridge.worker"]
    went = [r for r in lines if "database unavailable" in r.getMessage()]
    back = [r for r in lines if "available again" in r.getMessage()]
    assert len(went) == 1 and len(back) == 1, [r.getMessage() for r in lines]
    assert not any(r.exc_info for r in lines), "a traceback was logged"
    assert worker.stats.errors >= 2  # it did keep trying


def test_only_connection_failures_count_as_unavailable(db_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = create_db_engine(db_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))
    except DBAPIError as exc:
        assert not is_unavailable(exc)  # a bug stays a 500
    else:  # pragma: no cover
        raise AssertionError("the query should have failed")
    finally:
        engine.dispose()
