"""``epibridge demo load`` step by step: accounts, crossings, epidemic data, detection, the
scenario and last week's situation report. Each step finds what an earlier load left and does
only what is missing, so loading again neither duplicates nor fails."""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.demo import (
    DemoCredential,
    credentials_path,
    load_border_registry,
    load_demo_accounts,
    read_credentials,
    write_credentials,
)
from epibridge.demo_scenario import scenario
from epibridge.demo_scenario.cast import Cast, Timeline
from epibridge.i18n import LANGUAGES


class Reporter(Protocol):
    """Told where the load is: a step begins, advances (``done`` of ``total``), ends."""

    def start(self, title: str) -> None: ...
    def advance(self, done: int, total: int) -> None: ...
    def finish(self, summary: str, seconds: float) -> None: ...


class Silent:
    def start(self, title: str) -> None:
        pass

    def advance(self, done: int, total: int) -> None:
        pass

    def finish(self, summary: str, seconds: float) -> None:
        pass


@dataclass
class DemoLoad:
    credentials: list[DemoCredential] = field(default_factory=list)
    credentials_file: Path | None = None
    #: (step, what it did, seconds)
    steps: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s for _, _, s in self.steps)


@dataclass
class _Run:
    sessions: sessionmaker[Session]
    reporter: Reporter
    result: DemoLoad

    def step(self, title: str, work: Callable[[], str]) -> None:
        self.reporter.start(title)
        began = clock.perf_counter()
        summary = work()
        seconds = clock.perf_counter() - began
        self.result.steps.append((title, summary, seconds))
        self.reporter.finish(summary, seconds)


def load(
    sessions: sessionmaker[Session],
    *,
    var_dir: Path,
    token_ttl_days: int,
    reset: bool = False,
    today: date | None = None,
    reporter: Reporter | None = None,
) -> DemoLoad:
    """Load (or complete) the demo; ``reset`` issues new passwords and tokens."""
    day = today or utcnow().date()
    run = _Run(sessions, reporter or Silent(), DemoLoad(credentials_file=credentials_path(var_dir)))
    run.step("demo accounts", lambda: _accounts(run, var_dir, token_ttl_days, reset))
    run.step("border crossings", lambda: _registry(run))
    submitted: dict[str, int] = {}
    run.step("epidemic data", lambda: _data(run, day, submitted))
    run.step("outbreak detection", lambda: _detection(run, submitted))
    run.step("scenario", lambda: _scenario(run, day))
    run.step("situation report", lambda: _report(run, day))
    return run.result


def _accounts(run: _Run, var_dir: Path, ttl: int, reset: bool) -> str:
    path = credentials_path(var_dir)
    with write_session(run.sessions) as session:
        credentials = load_demo_accounts(
            session, token_ttl_days=ttl, known=read_credentials(path), reset=reset
        )
    # After the commit: the file never holds credentials the database refused.
    write_credentials(path, credentials)
    run.result.credentials = credentials
    kept = sum(c.kept for c in credentials)
    return f"{len(credentials)} accounts, {kept} with the credentials of the previous load"


def _registry(run: _Run) -> str:
    with write_session(run.sessions) as session:
        count = load_border_registry(session)
    return f"{count} real crossings in the registry (cited sources)"


def _cast(run: _Run) -> Cast:
    with read_session(run.sessions) as session:
        return Cast.of(session, [c.name for c in run.result.credentials])


def _data(run: _Run, day: date, submitted: dict[str, int]) -> str:
    from epibridge.epidata.demo import load_demo

    summary = load_demo(
        run.sessions, today=day, submitters=_cast(run).focal_points(), progress=run.reporter.advance
    )
    submitted.update(summary)
    if not summary["reports"]:
        return "SYNTHETIC weekly series up to this week already stored"
    return (
        f"{summary['synthetic_rows']} SYNTHETIC rows in {summary['reports']} weekly reports of "
        f"{summary['synthetic_states']} states; {summary['reference_datasets']} reference datasets"
    )


def _detection(run: _Run, submitted: dict[str, int]) -> str:
    if not submitted.get("reports"):
        return "no new data: nothing to run"
    from epibridge.detection import service as detection
    from epibridge.detection.schemas import RunOptions
    from epibridge.detection.service.common import DETECTION_ACTOR

    report = detection.run(
        run.sessions, options=RunOptions(), actor=DETECTION_ACTOR, progress=run.reporter.advance
    )
    return (
        f"{report.series} series, {report.alarms} alarms, {report.opened} new signals, "
        f"{report.notifications} draft notifications (exercise)"
    )


def _scenario(run: _Run, day: date) -> str:
    cast = _cast(run)
    missing = scenario.missing_actors(cast)
    if missing:
        return f"skipped: this organization has no {', '.join(missing)} account"
    with write_session(run.sessions) as session:
        played = scenario.play(session, cast, Timeline(day))
    if played is None:
        return "already played"
    return (
        "an event notified, acknowledged, verified, updated and assessed; a border conflict "
        "and a green lane below its target at Khorgos; an assistance request with a pledge; "
        "a consultation in its position round (all SYNTHETIC, the events exercises)"
    )


def _report(run: _Run, day: date) -> str:
    from epibridge.reports import service as reports
    from epibridge.reports.weeks import previous_week

    cast = _cast(run)
    if "secretariat" not in cast.by_name:
        return "skipped: no Secretariat account"
    languages = LANGUAGES
    finished: list[reports.WeeklyResult] = []

    def done(result: reports.WeeklyResult) -> None:
        finished.append(result)
        run.reporter.advance(len(finished), len(languages))

    try:
        results = reports.generate_weekly(
            run.sessions, actor=cast.secretariat, today=day, langs=languages, done=done
        )
    except (ImportError, OSError) as exc:  # no Pango for WeasyPrint: the rest of the demo stands
        return f"skipped: PDF rendering is not available here ({exc})"
    created = [r.filename for r in results if r.created]
    week = previous_week(day).label
    if not created:
        return f"{week}: stored already"
    return f"{week}: {', '.join(created)}"
