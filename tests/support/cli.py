"""The ``epibridge`` command run two ways: in this process, or as the installed console script.

A step of a command-line walk in its own process costs about a second of imports (SQLAlchemy,
FastAPI, pydantic models) before it does anything; the walks make dozens of steps. ``invoke``
runs the same entry point (``epibridge.cli.main``: the argument parsing, the settings read
from the environment, the error reporting and exit codes) in this process, with its own
standard streams and environment, and then closes the database engines the command opened, so
each step starts from what a new process would find. What only a new process shows (the
installed script, a domain's commands importing on their own) is checked by ``run_script``:
each domain's command-line tests keep at least one step run that way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner

from epibridge.settings import Settings

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")

#: Commands that install signal handlers, configure logging or serve: never in this process.
OWN_PROCESS = {"serve", "worker", "scheduler"}


def environment(settings: Settings) -> dict[str, str]:
    """What the command reads its settings from (a wide terminal, so no line is wrapped)."""
    return {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "COLUMNS": "200",
    }


def run_script(
    settings: Settings, *args: str, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed console script in a new process (``env``: more variables for it)."""
    return subprocess.run(
        [EPIBRIDGE, *args],
        env={**os.environ, **environment(settings), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def invoke(
    settings: Settings, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``epibridge ARGS`` through the console script's entry point, in this process (``env``:
    more variables, set while it runs).

    An exception the command lets escape is printed as Python prints it, exit code 1, as the
    process would end, so a test's ``"Traceback" not in stderr`` still sees it.
    """
    assert not OWN_PROCESS & set(args[:1]), f"`epibridge {args[0]}` runs in its own process"
    from epibridge import cli, cli_support

    before = set(cli_support._FACTORIES)
    saved_argv = sys.argv
    with CliRunner().isolation(env={**environment(settings), **(env or {})}) as (out, err, _):
        sys.argv = ["epibridge", *args]
        try:
            cli.main()
            code: int = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except Exception:  # reported as the interpreter would
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            sys.argv = saved_argv
            sys.stdout.flush()
            sys.stderr.flush()
            _close_new_engines(before)
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return subprocess.CompletedProcess(["epibridge", *args], code, stdout, stderr)


def _exit_code(code: object) -> int:
    """``sys.exit``'s argument as the process's exit status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def _close_new_engines(before: set[tuple[str, str, str]]) -> None:
    """Dispose of the engines the command opened: a process's would close with it."""
    from epibridge import cli_support

    for key in set(cli_support._FACTORIES) - before:
        factory = cli_support._FACTORIES.pop(key)
        bind = factory.kw.get("bind")
        if bind is not None:
            bind.dispose()
