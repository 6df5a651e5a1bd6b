"""The scheduled jobs and the loop that runs them while this process leads.

Every job calls a service, as its command would: detection over the changed series every
minute and over every series every hour (as ``epibridge detect schedule``), decisions past
their deadline every minute (``epibridge consult close-due``), acknowledgement reminders every
quarter hour (``notifications.service.remind_due``) and the previous week's situation reports,
looked for every hour from Monday 06:00 UTC on (``epibridge report weekly``), and the yearly
reminders to confirm the IHR directory, looked for every hour (``epibridge preparedness
remind``), and the end of sharing embargoes whose day has come, looked for every ten minutes
(``federation.sharing.release_due``). A new leader runs
every job at once, so a take-over or a restart catches up what was missed. Each job is written
so that running it twice does no harm (a second leader for a moment, a manual run besides).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import describe_error, is_unavailable, utcnow, write_session
from epibridge.runtime.leader import Leadership, leadership_for
from epibridge.security import system_principal
from epibridge.settings import Settings

log = logging.getLogger("epibridge.scheduler")

#: Who the scheduled writes name (detection's own runs name ``system:detection``).
SCHEDULER = system_principal("scheduler")
#: The weekly reports wait this long after their week ends, for late submissions.
REPORT_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class Context:
    sessions: sessionmaker[Session]
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds
    action: Callable[[Context], str | None]  # what it did, for the log (None: nothing)


def detect(changed: bool) -> Callable[[Context], str | None]:
    def action(context: Context) -> str | None:
        from epibridge.detection import service
        from epibridge.detection.schemas import RunOptions
        from epibridge.detection.service.common import DETECTION_ACTOR

        options = RunOptions(changed=changed, nowcast=context.settings.detection_nowcast)
        report = service.run(context.sessions, options=options, actor=DETECTION_ACTOR)
        if not report.series and not report.messages_read:
            return None
        return (
            f"{report.series} series, {report.alarms} alarms, {report.opened} new signals, "
            f"{report.notifications} draft notifications"
        )

    return action


def close_due(context: Context) -> str | None:
    from epibridge.consultations import service

    with write_session(context.sessions) as session:
        closed = service.close_due_decisions(session, actor=SCHEDULER, now=context.now)
        return f"{len(closed)} decisions closed" if closed else None


def remind(context: Context) -> str | None:
    from epibridge.notifications import service

    hours = context.settings.reminder_hours
    if not hours:
        return None
    with write_session(context.sessions) as session:
        reminded = service.remind_due(
            session, actor=SCHEDULER, every=timedelta(hours=hours), now=context.now
        )
    if not reminded:
        return None
    return "; ".join(f"event {e}: {' '.join(states)}" for e, states in reminded.items())


def weekly_reports(context: Context) -> str | None:
    from epibridge.reports import service

    results = service.generate_weekly(
        context.sessions, actor=SCHEDULER, today=(context.now - REPORT_DELAY).date()
    )
    made = [r.filename for r in results if r.created]
    return f"stored {', '.join(made)}" if made else None


def directory_reminders(context: Context) -> str | None:
    """The yearly reminder to confirm the IHR directory (``epibridge preparedness remind``)."""
    from epibridge.preparedness import service

    with write_session(context.sessions) as session:
        reminded = service.remind_unconfirmed(session, actor=SCHEDULER, now=context.now)
    return f"reminded {' '.join(reminded)}" if reminded else None


def embargo_releases(context: Context) -> str | None:
    """End the sharing embargoes whose day has come, so what they held back is sent."""
    from epibridge.federation import sharing

    with write_session(context.sessions) as session:
        released = sharing.release_due(session, actor=SCHEDULER, now=context.now)
    return f"released {' '.join(released)}" if released else None


def default_jobs() -> list[Job]:
    return [
        Job("detection (every series)", 3600, detect(changed=False)),
        Job("detection (changed series)", 60, detect(changed=True)),
        Job("decisions past their deadline", 60, close_due),
        Job("acknowledgement reminders", 900, remind),
        Job("weekly situation reports", 3600, weekly_reports),
        Job("IHR directory confirmation reminders", 3600, directory_reminders),
        Job("sharing embargoes ended", 600, embargo_releases),
    ]


class Scheduler:
    """Polls the leadership every ``retry`` seconds; while leading, runs the jobs that are due."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        leadership: Leadership | None = None,
        jobs: list[Job] | None = None,
        retry: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.leadership = leadership or leadership_for(settings)
        self.jobs = jobs if jobs is not None else default_jobs()
        self.retry = retry
        self.clock = clock
        self.stop_event = threading.Event()
        self._due: dict[str, float] = {}
        self._was_leading: bool | None = None
        #: Whether this process has led at some point (``scheduler --once`` says so).
        self.led = False

    @property
    def state(self) -> str:
        """``leader`` or ``standby``, as the health endpoint shows it."""
        return "leader" if self.leadership.held else "standby"

    def stop(self) -> None:
        """Finish the job running now (if any), then give the leadership up."""
        self.stop_event.set()

    def run(self, *, once: bool = False) -> None:
        """Lead or stand by until stopped; with ``once``, one round of every job, then return."""
        # WeasyPrint logs every step of every PDF at INFO: seven lines a report, in every log.
        renderer = logging.getLogger("weasyprint")
        renderer.setLevel(max(renderer.getEffectiveLevel(), logging.WARNING))
        try:
            while not self.stop_event.is_set():
                if self._poll():
                    self._run_due(everything=once)
                if once:
                    return
                self.stop_event.wait(self.retry)
        finally:
            self.leadership.release()

    def _poll(self) -> bool:
        leading = self.leadership.poll()
        if leading != self._was_leading:
            if leading:
                self.led = True
                log.info("scheduler: leader (%s)", self.leadership.method)
                self._due.clear()  # a new leader catches up at once
            else:
                log.info(
                    "scheduler: standby (another process leads; retrying every %gs)", self.retry
                )
            self._was_leading = leading
        return leading

    def _run_due(self, *, everything: bool) -> None:
        for job in self.jobs:
            if self.stop_event.is_set() or not self.leadership.held:
                return
            if not everything and time.monotonic() < self._due.get(job.name, 0.0):
                continue
            self._run(job)
            self._due[job.name] = time.monotonic() + job.every
            # Between jobs (a full detection run can be long): still the leader?
            if not self._poll():
                return

    def _run(self, job: Job) -> None:
        try:
            done = job.action(Context(self.sessions, self.settings, self.clock()))
        except Exception as exc:
            if is_unavailable(exc):
                log.warning(
                    "scheduler: %s skipped, database unavailable: %s", job.name, describe_error(exc)
                )
            else:
                log.error("scheduler: %s failed", job.name, exc_info=exc)
            return
        if done:
            log.info("scheduler: %s: %s", job.name, done)
