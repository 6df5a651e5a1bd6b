"""The scheduler runs its jobs only while it leads; the default jobs do their services' work
once (a second round stores nothing new), as ``system:scheduler``; ``epibridge scheduler``
stands by while another process leads and stops cleanly on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.reports.models import Report
from epibridge.reports.weeks import previous_week
from epibridge.runtime.leader import leadership_for
from epibridge.runtime.schedule import REPORT_DELAY, Context, Job, Scheduler
from epibridge.settings import Settings
from tests.notifications.factory import FP_KAZ, event_body, messages

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")


def recorder(ran: list[str], name: str) -> Job:
    def action(context: Context) -> str:
        ran.append(name)
        return name

    return Job(name, 3600, action)


def test_only_the_leader_runs_jobs_and_a_failing_job_spoils_no_other(
    settings: Settings, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken(context: Context) -> str:
        raise RuntimeError("synthetic failure")

    jobs = [Job("broken", 60, broken), recorder(ran, "after")]
    holder = leadership_for(settings)
    assert holder.poll()
    try:
        standby = Scheduler(sessions, settings, jobs=jobs)
        standby.run(once=True)
        assert ran == [] and not standby.led and standby.state == "standby"
    finally:
        holder.release()
    leader = Scheduler(sessions, settings, jobs=jobs)
    with caplog.at_level(logging.INFO, logger="epibridge.scheduler"):
        leader.run(once=True)
    assert ran == ["after"] and leader.led
    assert "scheduler: broken failed" in caplog.text and "synthetic failure" in caplog.text
    assert leader.state == "standby"  # released on the way out
    assert leadership_for(settings).poll()


def test_default_jobs_do_their_work_once(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with write_session(sessions) as session:
        event = notifications.create(
            session,
            actor=FP_KAZ,
            data=NotificationCreate.model_validate(event_body()),
            now=utcnow() - timedelta(hours=25),
        )
        event_id = event.id
    for _ in range(2):
        Scheduler(sessions, settings).run(once=True)
    reminders = messages(sessions, "notification.reminder")
    assert [(m.actor, m.entity_id) for m in reminders] == [("system:scheduler", str(event_id))]
    week = previous_week((utcnow() - REPORT_DELAY).date()).label
    with read_session(sessions) as session:
        reports = list(session.execute(select(Report).where(Report.week == week)).scalars())
    assert sorted((r.lang, r.format, r.state, r.created_by) for r in reports) == [
        (lang, "pdf", None, "system:scheduler") for lang in ("en", "ru", "zh")
    ]


def run_scheduler(settings: Settings, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
    }
    return subprocess.Popen(
        [EPIBRIDGE, "scheduler", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_scheduler_command_leads_or_stands_by_and_stops_on_sigterm(settings: Settings) -> None:
    holder = leadership_for(settings)
    assert holder.poll()
    try:
        standby = run_scheduler(settings, "--once")
        out, _ = standby.communicate(timeout=120)
        assert standby.returncode == 0, out
        assert "another process leads" in out and "scheduler: standby" in out
    finally:
        holder.release()

    looping = run_scheduler(settings, "--retry", "0.5")
    assert looping.stdout is not None
    lines: list[str] = []
    for line in looping.stdout:
        lines.append(line)
        if "scheduler: leader" in line:
            break
    looping.send_signal(signal.SIGTERM)
    out, _ = looping.communicate(timeout=120)
    output = "".join(lines) + out
    assert looping.returncode == 0, output
    assert "scheduler stopped (leader elected by" in output and "Traceback" not in output
    assert leadership_for(settings).poll()  # given up on the way out
