"""The delivery worker: fans messages out and sends deliveries, with bounded concurrency.

An asyncio event loop sends the webhooks (one keep-alive pool, ``concurrency`` requests in
flight at most, ``per_endpoint`` per subscription); e-mail goes through a small thread pool,
since SMTP is blocking. One database thread runs the ticks: each tick is one write transaction
that records the outcomes finished since the last one (one statement for all successes), claims
due deliveries for the free slots, oldest first, and fans out new messages (their first delivery
rows inserted already claimed when slots are left). Sending goes on while a tick runs. A slow or
hanging endpoint holds at most ``per_endpoint`` slots, each for at most its timeouts, while the
others flow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import describe_error, is_unavailable, read_session, utcnow, write_session
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox.addresses import parse_networks
from epibridge.notifications.outbox.jobs import ClaimSpec, Job, MessageView, Outcome
from epibridge.notifications.outbox.sending import send, webhook_body
from epibridge.notifications.outbox.statuses import SubscriptionKind
from epibridge.notifications.outbox.transport import WebhookClient
from epibridge.settings import Settings

log = logging.getLogger("epibridge.worker")
#: Messages whose view and body are kept between ticks (they never change once written).
_CACHED_MESSAGES = 2000


@dataclass
class WorkerOptions:
    batch: int = 100
    concurrency: int = 8
    lease: timedelta = timedelta(seconds=60)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    poll: float = 0.2
    #: Requests in flight to one subscription at most (None: only ``concurrency`` bounds it).
    per_endpoint: int | None = 4


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


class _Messages:
    """Message views and their serialized bodies by id, oldest dropped first."""

    def __init__(self) -> None:
        self.views: dict[str, MessageView] = {}
        self.bodies: dict[str, bytes] = {}

    def body(self, view: MessageView) -> bytes:
        body = self.bodies.get(view.id)
        if body is None:
            body = self.bodies[view.id] = webhook_body(view)
        return body

    def trim(self) -> None:
        for cache in (self.views, self.bodies):
            while len(cache) > _CACHED_MESSAGES:
                del cache[next(iter(cache))]


def _tick_due(
    *, finished: int, half: int, free: int, due: bool, full: bool, stopping: bool, ready: int
) -> bool:
    """Whether the loop runs a tick now: enough outcomes to record (or the poll is due, or the
    worker is stopping), enough free slots to claim for (when more is probably due or the poll
    is), or a stopping worker has claimed jobs to give back."""
    if stopping and ready:
        return True
    return bool(
        (finished and (finished >= half or due or stopping)) or (free >= half and (full or due))
    )


def _endpoint_load(inflight: dict[int, int], ready: deque[Job]) -> dict[int, int]:
    """Requests per subscription in flight or claimed and waiting: what the claim counts as held."""
    busy = {sid: n for sid, n in inflight.items() if n}
    for job in ready:
        busy[job.subscription_id] = busy.get(job.subscription_id, 0) + 1
    return busy


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
        self._messages = _Messages()
        #: When the database was found unreachable (monotonic seconds), None while it answers.
        self._down_since: float | None = None

    def stop(self) -> None:
        """Ask the loop to finish: in-flight sends complete and are recorded, nothing new starts."""
        self.stop_event.set()

    def _tick(
        self, outcomes: list[Outcome], free: int, busy: dict[int, int], release: list[int]
    ) -> list[Job]:
        """One write transaction: record, give back, fan out, claim. Runs on the DB thread."""
        # Polling must not take the write lock (SQLite has one for the whole database).
        if not outcomes and not release and not self._has_work():
            return []
        views = self._messages.views
        with write_session(self.sessions) as session:
            counts = deliveries.record(
                session, outcomes=outcomes, worker_id=self.worker_id, rng=self._rng
            )
            deliveries.release(session, delivery_ids=release, worker_id=self.worker_id)
            jobs: list[Job] = []
            if free > 0 and not self.stop_event.is_set():
                now = self.clock()
                # Oldest first: due deliveries already in the queue take the free slots before
                # the rows of messages fanned out now, so a burst of new messages cannot keep
                # pushing the rest of older messages back (their last receipt is the latency).
                jobs = deliveries.claim(
                    session,
                    worker_id=self.worker_id,
                    limit=free,
                    lease=self.options.lease,
                    now=now,
                    per_endpoint=self.options.per_endpoint,
                    busy=busy,
                    views=views,
                )
                held = Counter(busy)
                held.update(job.subscription_id for job in jobs)
                spec = ClaimSpec(
                    self.worker_id,
                    free - len(jobs),
                    self.options.lease,
                    self.options.per_endpoint,
                    held,
                )
                fanned = deliveries.fan_out_and_claim(
                    session, batch=self.options.batch, now=now, claim=spec, views=views
                )
                self.stats.fanned_out += fanned.messages
                self.stats.created += fanned.created
                jobs += fanned.jobs
        self._messages.trim()
        self.stats.delivered += counts["delivered"]
        self.stats.retrying += counts["retrying"]
        self.stats.dead += counts["dead"]
        return jobs

    def _has_work(self) -> bool:
        with read_session(self.sessions) as session:
            return deliveries.has_work(session, now=self.clock())

    async def _still_due(self, loop: asyncio.AbstractEventLoop, db: ThreadPoolExecutor) -> bool:
        """``_has_work`` on the DB thread; an unreachable database counts as work left."""
        try:
            return await loop.run_in_executor(db, self._has_work)
        except Exception as exc:
            self._tick_failed(exc)
            await asyncio.sleep(self._outage_pause())
            return True

    def _tick_failed(self, exc: BaseException) -> None:
        """Log an outage once when it starts (not a traceback per poll); other errors in full."""
        self.stats.errors += 1
        if not is_unavailable(exc):
            log.error("delivery tick failed; retrying", exc_info=exc)
            return
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "database unavailable, deliveries paused (outcomes kept, retrying): %s",
                describe_error(exc),
            )

    def _tick_succeeded(self) -> None:
        if self._down_since is not None:
            log.info(
                "database available again after %.1f s, deliveries resumed",
                time.monotonic() - self._down_since,
            )
            self._down_since = None

    def _outage_pause(self) -> float:
        """Seconds between tries while the database is away: the poll, at least 0.5 s."""
        return max(self.options.poll, 0.5) if self._down_since is not None else self.options.poll

    def run(self, *, once: bool = False) -> WorkerStats:
        """Deliver until stopped; with ``once``, return when nothing is due any more."""
        try:
            import uvloop
        except ImportError:  # pragma: no cover - uvicorn[standard] brings it
            asyncio.run(self._main(once))
        else:
            uvloop.run(self._main(once))
        return self.stats

    async def _main(self, once: bool) -> None:
        options = self.options
        loop = asyncio.get_running_loop()
        client = WebhookClient(
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            per_origin=options.concurrency,
            allow_networks=parse_networks(self.settings.webhook_allow_networks),
        )
        # Claims run ahead of the sends by as many again, so a slot never waits for a tick.
        capacity = options.concurrency * 2
        half = max(options.concurrency // 2, 1)
        ready: deque[Job] = deque()
        inflight: dict[int, int] = {}  # subscription id -> requests in flight
        running: set[asyncio.Task[None]] = set()
        finished: list[Outcome] = []
        wake = asyncio.Event()
        timeout = options.connect_timeout + options.read_timeout

        async def deliver(job: Job, email_pool: ThreadPoolExecutor) -> None:
            body = (
                self._messages.body(job.message) if job.kind == SubscriptionKind.WEBHOOK else None
            )
            outcome = await send(
                job,
                client=client,
                settings=self.settings,
                timeout=timeout,
                email_pool=email_pool,
                body=body,
            )
            finished.append(outcome)
            inflight[job.subscription_id] -= 1
            wake.set()

        def pump(email_pool: ThreadPoolExecutor) -> None:
            """Start ready jobs while there are free slots and their endpoint has room."""
            waiting = len(ready)
            while ready and waiting and len(running) < options.concurrency:
                waiting -= 1
                job = ready.popleft()
                held = inflight.get(job.subscription_id, 0)
                if options.per_endpoint is not None and held >= options.per_endpoint:
                    ready.append(job)
                    continue
                inflight[job.subscription_id] = held + 1
                task = loop.create_task(deliver(job, email_pool))
                running.add(task)
                task.add_done_callback(running.discard)

        with (
            ThreadPoolExecutor(1, thread_name_prefix="db") as db,
            ThreadPoolExecutor(min(options.concurrency, 4), thread_name_prefix="smtp") as email,
        ):
            last_tick = 0.0
            full = False  # the last claim filled every free slot: more is probably due
            try:
                while True:
                    pump(email)
                    wake.clear()
                    stopping = self.stop_event.is_set()
                    if stopping and not running and not finished and not ready:
                        break
                    free = 0 if stopping else capacity - len(running) - len(ready)
                    since = time.monotonic() - last_tick
                    due = since >= options.poll
                    tick = _tick_due(
                        finished=len(finished),
                        half=half,
                        free=free,
                        due=due,
                        full=full,
                        stopping=stopping,
                        ready=len(ready),
                    )
                    if not tick:
                        wait = max(options.poll - since, 0.001)
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), wait)
                        continue
                    outcomes, finished[:] = list(finished), []
                    # A stopping worker gives back what it claimed but never started.
                    released = list(ready) if stopping else []
                    if released:
                        ready.clear()
                    busy = _endpoint_load(inflight, ready)
                    try:
                        jobs = await loop.run_in_executor(
                            db, self._tick, outcomes, free, busy, [j.delivery_id for j in released]
                        )
                    except Exception as exc:
                        # The database went away or a transaction failed: nothing was
                        # recorded, so the outcomes are kept and the claims expire if it does
                        # not recover.
                        self._tick_failed(exc)
                        finished[:0] = outcomes
                        ready.extend(released)
                        await asyncio.sleep(self._outage_pause())
                        continue
                    self._tick_succeeded()
                    last_tick = time.monotonic()
                    self.stats.sent += len(outcomes)
                    full = free > 0 and len(jobs) >= free
                    ready.extend(jobs)
                    # Sends that finished while the tick ran are in ``finished``, not yet
                    # recorded: leaving now would strand their claims (sent, still pending,
                    # and sent again once the lease expires).
                    idle = (
                        once
                        and not jobs
                        and not running
                        and not ready
                        and not outcomes
                        and not finished
                    )
                    # Rows another worker's open transaction had locked were skipped, not
                    # absent: leave only when a fresh read finds nothing due either.
                    if idle and not await self._still_due(loop, db):
                        break
            finally:
                await client.aclose()
