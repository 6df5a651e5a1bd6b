"""The delivery worker: fans messages out and sends deliveries, with bounded concurrency.

One loop thread owns the database; a pool of sending threads does the network work. Each tick
is one write transaction that records the outcomes finished since the last tick, fans out new
messages and claims as many due deliveries as there are free sending slots. A slow or hanging
endpoint therefore holds one slot for at most its timeout while the others keep flowing.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox.deliveries import Job, Outcome
from epibridge.notifications.outbox.sending import send
from epibridge.settings import Settings

log = logging.getLogger("epibridge.worker")


@dataclass
class WorkerOptions:
    batch: int = 100
    concurrency: int = 8
    lease: timedelta = timedelta(seconds=60)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    poll: float = 0.2


@dataclass
class WorkerStats:
    fanned_out: int = 0
    created: int = 0
    sent: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    errors: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class Worker:
    """Runs the delivery loop until stopped (or, with ``once``, until nothing is due)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        options: WorkerOptions | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        worker_id: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.options = options or WorkerOptions()
        self.clock = clock
        self.worker_id = worker_id or (
            f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        )
        self.stop_event = threading.Event()
        self.stats = WorkerStats()
        self._rng = random.Random()

    def stop(self) -> None:
        """Ask the loop to finish: in-flight sends complete and are recorded, nothing new starts."""
        self.stop_event.set()

    def _tick(self, outcomes: list[Outcome], free: int) -> list[Job]:
        if not outcomes:
            # Polling must not take the write lock (SQLite has one for the whole database).
            with read_session(self.sessions) as session:
                if not deliveries.has_work(session, now=self.clock()):
                    return []
        with write_session(self.sessions) as session:
            counts = deliveries.record(
                session, outcomes=outcomes, worker_id=self.worker_id, rng=self._rng
            )
            jobs: list[Job] = []
            if free > 0 and not self.stop_event.is_set():
                now = self.clock()
                messages, created = deliveries.fan_out(session, batch=self.options.batch, now=now)
                self.stats.fanned_out += messages
                self.stats.created += created
                jobs = deliveries.claim(
                    session,
                    worker_id=self.worker_id,
                    limit=min(free, self.options.batch),
                    lease=self.options.lease,
                    now=now,
                )
        self.stats.delivered += counts["delivered"]
        self.stats.retrying += counts["retrying"]
        self.stats.dead += counts["dead"]
        return jobs

    def run(self, *, once: bool = False) -> WorkerStats:
        """Deliver until stopped; with ``once``, return when nothing is due any more."""
        options = self.options
        timeout = httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=options.connect_timeout,
        )
        limits = httpx.Limits(
            max_connections=options.concurrency * 2,
            max_keepalive_connections=options.concurrency * 2,
        )
        results: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        inflight: set[Future[None]] = set()

        def work(job: Job, client: httpx.Client) -> None:
            results.put(
                send(
                    job,
                    client=client,
                    settings=self.settings,
                    timeout=options.connect_timeout + options.read_timeout,
                )
            )

        with (
            httpx.Client(timeout=timeout, limits=limits) as client,
            ThreadPoolExecutor(options.concurrency, thread_name_prefix="send") as pool,
        ):
            # Up to twice the sending slots are claimed, so a slot never waits for a tick, and
            # ticks come when a good share of them is free, not after every single send.
            capacity = options.concurrency * 2
            finished: list[Outcome] = []
            last_tick = 0.0
            while True:
                while True:
                    try:
                        finished.append(results.get_nowait())
                    except queue.Empty:
                        break
                inflight = {f for f in inflight if not f.done()}
                stopping = self.stop_event.is_set()
                if stopping and not inflight and not finished:
                    break
                free = 0 if stopping else capacity - len(inflight)
                since = time.monotonic() - last_tick
                if inflight and free < capacity // 2 and since < options.poll:
                    wait(inflight, timeout=options.poll - since, return_when=FIRST_COMPLETED)
                    continue
                outcomes, finished = finished, []
                try:
                    jobs = self._tick(outcomes, free) if outcomes or free > 0 else []
                except Exception:
                    # The database went away or a transaction failed: nothing was recorded, so
                    # the outcomes are kept and the claims expire if it does not recover.
                    log.exception("delivery tick failed; retrying")
                    self.stats.errors += 1
                    finished = outcomes + finished
                    self.stop_event.wait(options.poll)
                    continue
                last_tick = time.monotonic()
                self.stats.sent += len(outcomes)
                for job in jobs:
                    inflight.add(pool.submit(work, job, client))
                if jobs:
                    continue
                if not inflight:
                    if once and not outcomes:
                        break
                    if not outcomes:
                        self.stop_event.wait(options.poll)
                    continue
                wait(inflight, timeout=options.poll, return_when=FIRST_COMPLETED)
        return self.stats
