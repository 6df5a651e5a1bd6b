"""`epibridge serve` as real processes: the worker and the scheduler run inside it.

- alone (no `epibridge worker`), it delivers a new notification's webhook to a receiver on an
  allowed network within 30 seconds (the contract of issue 14);
- two servers on one database elect one scheduler leader (PostgreSQL advisory lock, SQLite
  file lock); when the leader is killed the other takes over within the retry bound;
- SIGTERM stops a server cleanly: a graceful shutdown, no traceback, no error logged;
- `--no-worker --no-scheduler` runs neither, and says so on the health endpoint.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow
from epibridge.reports.models import Report
from epibridge.reports.weeks import previous_week
from epibridge.runtime.schedule import REPORT_DELAY
from epibridge.settings import Settings
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body
from tests.notifications.outbox.receivers import http_receiver
from tests.support.postgres import free_port

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
LOOPBACK = "127.0.0.0/8"
#: A standby re-tries every 5 s; the bound leaves room for a loaded two-core machine.
TAKE_OVER_SECONDS = 20


class Server:
    def __init__(self, settings: Settings, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(settings.var_dir).parent / f"serve-{self.port}.log"
        env = {
            **os.environ,
            "EPIBRIDGE_DATABASE_URL": settings.database_url,
            "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
            "EPIBRIDGE_SECRET_KEY": "serve-test",
            "EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS": LOOPBACK,
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [EPIBRIDGE, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def health(self) -> dict[str, Any] | None:
        try:
            return httpx.get(self.base + "/api/v1/health", timeout=2).json()  # type: ignore[no-any-return]
        except httpx.TransportError:
            assert self.process.poll() is None, self.output()
            return None

    def wait_up(self, timeout: float = 60) -> dict[str, Any]:
        health = wait_for(self.health, timeout)
        assert health is not None, f"server did not start:\n{self.output()}"
        return health

    def terminate(self) -> None:
        """SIGTERM, as systemd stops a unit: a graceful shutdown with no traceback."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=40)
        output = self.output()
        # uvicorn shuts down, then re-raises the signal, so the exit says "killed by SIGTERM"
        # (systemd counts that as a clean stop).
        assert code in (0, -signal.SIGTERM), output
        assert "Application shutdown complete" in output, output
        assert "Traceback" not in output and "ERROR" not in output, output

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def serving(settings: Settings, *args: str) -> Iterator[Server]:
    server = Server(settings, *args)
    try:
        yield server
    finally:
        server.kill()


def wait_for(probe: Callable[[], Any], timeout: float, pause: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(pause)


def test_serve_alone_delivers_a_new_notification_to_a_webhook_within_30_seconds(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    rus = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    with http_receiver() as receiver, serving(settings) as server:
        health = server.wait_up()
        assert health["worker"] == "running", health
        created = httpx.post(
            server.base + "/api/v1/subscriptions",
            headers=rus,
            json={"kind": "webhook", "url": receiver.url("/ok/rus"), "topics": ["notification."]},
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        started = time.monotonic()
        event = httpx.post(server.base + "/api/v1/notifications", headers=fp, json=event_body())
        assert event.status_code == 201, event.text
        event_id = event.json()["id"]

        def notified() -> list[Any]:
            return [
                r
                for r in receiver.on("/ok/rus")
                if r.json["topic"] == "notification.notified"
                and r.json["entity_id"] == str(event_id)
            ]

        received = wait_for(notified, 30, pause=0.05)
        elapsed = time.monotonic() - started
        assert received, f"no webhook within 30 s:\n{server.output()}"
        assert elapsed < 30
        assert received[0].signature_valid(secret)
        assert received[0].json["payload"]["event"]["title"] == event_body()["title"]
        server.terminate()


def test_two_servers_elect_one_scheduler_and_the_other_takes_over(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with serving(settings) as first, serving(settings) as second:
        servers = (first, second)
        for server in servers:
            server.wait_up()

        def roles() -> list[str] | None:
            found = [(s.health() or {}).get("scheduler", "") for s in servers]
            return found if sorted(found) == ["leader", "standby"] else None

        elected = wait_for(roles, 30)
        assert elected, [s.health() for s in servers]
        # Stable: still exactly one leader a retry period later.
        time.sleep(6)
        assert roles() == elected
        leader, standby = servers if elected[0] == "leader" else servers[::-1]
        assert "scheduler: leader" in leader.output()
        assert "scheduler: standby" in standby.output()

        leader.kill()  # SIGKILL: no goodbye, the lock goes with the process
        killed_at = time.monotonic()
        took_over = wait_for(
            lambda: (standby.health() or {}).get("scheduler") == "leader", TAKE_OVER_SECONDS
        )
        assert took_over, standby.output()
        assert time.monotonic() - killed_at < TAKE_OVER_SECONDS

        # The schedules ran: last week's reports, each stored once, by the scheduler.
        week = previous_week((utcnow() - REPORT_DELAY).date()).label

        def reports() -> list[tuple[str, str]]:
            with read_session(sessions) as session:
                rows = session.execute(select(Report).where(Report.week == week)).scalars()
                found = sorted((r.lang, r.created_by) for r in rows)
            return found if len(found) >= 3 else []

        stored = wait_for(reports, 60, pause=0.5)
        assert stored == [(lang, "system:scheduler") for lang in ("en", "ru", "zh")], stored
        standby.terminate()


def test_no_worker_no_scheduler(settings: Settings) -> None:
    with serving(settings, "--no-worker", "--no-scheduler") as server:
        health = server.wait_up()
        assert (health["worker"], health["scheduler"]) == ("off", "off")
        assert "delivery worker off, scheduler off" in server.output()
        server.terminate()
