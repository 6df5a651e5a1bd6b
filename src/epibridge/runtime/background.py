"""The delivery worker and the scheduler as threads of the web server's process.

``create_app(settings, background=...)`` starts them when the server starts (its lifespan) and
stops them when it stops: uvicorn turns SIGTERM and SIGINT into a graceful shutdown, whose end
calls ``Background.stop``. The worker then finishes the sends in flight (each bounded by its
timeouts), records them and gives back the deliveries it had claimed but not started; the
scheduler finishes the job it is running and gives the leadership up. A thread still busy after
``STOP_TIMEOUT`` is left behind (they are daemon threads): the process exits, a claim it held
expires after its lease as when a worker is killed, and an open transaction is rolled back.

The worker runs in every process: its claims carry a lease, and a claimed delivery is skipped
by every other worker (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single write lock on
SQLite), so several workers send each message once. Only the leader runs the schedules
(``leader.py``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from epibridge.settings import Settings

log = logging.getLogger("epibridge.serve")
#: Seconds a stopping server waits for each thread (a send's timeouts are 15 s by default).
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class BackgroundOptions:
    """Which background components the process runs."""

    worker: bool = True
    scheduler: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> BackgroundOptions:
        return cls(worker=settings.serve_worker, scheduler=settings.serve_scheduler)


class Background:
    """Starts, reports on and stops the worker and scheduler threads of one process."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, options: BackgroundOptions
    ) -> None:
        from epibridge.notifications.outbox.worker import Worker
        from epibridge.runtime.schedule import Scheduler

        self.options = options
        self.worker = Worker(sessions, settings) if options.worker else None
        self.scheduler = Scheduler(sessions, settings) if options.scheduler else None
        # Rounds with peers go with the schedules: a `--no-scheduler` web process runs neither.
        self.federation = _federation_loop(sessions, settings) if options.scheduler else None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.worker is not None:
            self._spawn("epibridge-worker", self._deliver)
            log.info("delivery worker %s started in this process", self.worker.worker_id)
        if self.scheduler is not None:
            self._spawn("epibridge-scheduler", self.scheduler.run)
        if self.federation is not None:
            self._spawn("epibridge-federation", self.federation.run)
            log.info("federation push and pull started in this process")

    def _spawn(self, name: str, target: object) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _deliver(self) -> None:
        assert self.worker is not None
        try:
            self.worker.run()
        except Exception:
            log.exception("the delivery worker stopped on an error")

    def status(self) -> dict[str, str]:
        """``worker``: running/stopped/off; ``scheduler``: leader/standby/off."""
        worker = "off"
        if self.worker is not None:
            alive = any(t.name == "epibridge-worker" and t.is_alive() for t in self._threads)
            worker = "running" if alive else "stopped"
        return {
            "worker": worker,
            "scheduler": self.scheduler.state if self.scheduler is not None else "off",
        }

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask every thread to finish, and wait for each at most ``timeout`` seconds."""
        if self.worker is not None:
            self.worker.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.federation is not None:
            self.federation.stop()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("%s still busy after %.0f s; leaving it behind", thread.name, timeout)
        self._threads.clear()


def _federation_loop(sessions: sessionmaker[Session], settings: Settings) -> Any:
    """The push/pull loop when this database has a node identity; None (nothing read) else."""
    from epibridge.federation.transport import loop

    return loop.SyncLoop(sessions, settings) if loop.configured(sessions) else None


def off() -> dict[str, str]:
    """The status of a process that runs no background component."""
    return {"worker": "off", "scheduler": "off"}
