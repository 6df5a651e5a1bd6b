"""``epibridge scheduler``: the schedules of ``epibridge serve`` run apart (production layout)."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from epibridge.cli_support import report_errors, sessions_for, settings_of
from epibridge.runtime.schedule import Scheduler


@report_errors
def scheduler(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option(help="Run every job once if this process leads, then exit.")
    ] = False,
    retry: Annotated[
        float, typer.Option(min=0.5, help="Seconds between leadership tries and checks.")
    ] = 5.0,
) -> None:
    """Run detection, reminders, due decisions and weekly reports while this process leads."""
    settings = settings_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runner = Scheduler(sessions_for(settings), settings, retry=retry)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.stop())
    runner.run(once=once)
    if once and not runner.led:
        typer.echo("another process leads: it runs the schedules; nothing done here")
    else:
        typer.echo(f"scheduler stopped (leader elected by {runner.leadership.method})")
