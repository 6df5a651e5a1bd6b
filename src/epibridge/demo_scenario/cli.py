"""What ``epibridge demo load`` prints: a line per step with its time (a progress bar on a
terminal while a long step runs), then the accounts with their passwords and tokens."""

from __future__ import annotations

import textwrap

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from epibridge.cli_support import err_console, is_terminal, sessions_for
from epibridge.demo_scenario.loader import DemoLoad, load
from epibridge.settings import Settings

#: Lines fit an 80-column terminal.
WIDTH = 79


class Lines:
    """Plain lines on stdout (logs, ``make demo``), and a transient bar on a terminal."""

    def __init__(self, *, bar: bool) -> None:
        self.bar = bar
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.title = ""

    def start(self, title: str) -> None:
        self.title = title
        typer.echo(f"{title} ...")

    def advance(self, done: int, total: int) -> None:
        if not self.bar:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("  {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err_console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.title, total=total)
        assert self.task is not None
        self.progress.update(self.task, completed=done, total=total)

    def finish(self, summary: str, seconds: float) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress, self.task = None, None
        typer.echo(
            textwrap.fill(
                f"{summary} ({seconds:.1f} s)", WIDTH, initial_indent="  ", subsequent_indent="  "
            )
        )


def run_load(settings: Settings, *, reset: bool) -> DemoLoad:
    result = load(
        sessions_for(settings),
        var_dir=settings.var_dir,
        token_ttl_days=settings.token_ttl_days,
        reset=reset,
        reporter=Lines(bar=is_terminal()),
    )
    fresh = sum(not c.kept for c in result.credentials)
    if fresh == len(result.credentials):
        state = "new credentials"
    elif fresh == 0:
        state = "unchanged since the previous load"
    else:
        state = f"{fresh} with new credentials, the others unchanged"
    typer.echo(f"Demo accounts (SYNTHETIC; {state}):")
    typer.echo(f"{'user':<14} {'role':<12} {'state':<6} password")
    for c in result.credentials:
        typer.echo(f"{c.name:<14} {c.role:<12} {c.state or '-':<6} {c.password}")
    for line in (
        f"Passwords and API tokens are in {result.credentials_file} (mode 0600); "
        "`epibridge demo load --reset` replaces them.",
        f"Demo loaded in {result.seconds:.1f} s.",
    ):
        typer.echo(textwrap.fill(line, WIDTH))
    return result
