"""The CLI as a newcomer meets it (issue 14, point 9): readable at 80 columns, and helpful
where there is no database yet.

Tables fit 80 columns without splitting a status or a code; every command's ``--help`` keeps
its option names and their choices whole; a command run where no database exists (or an
empty or outdated one) says how to create it, exits non-zero, shows no traceback and creates
nothing (no ``./var``). The real console script runs as a subprocess where it matters.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import click
import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

import epibridge
from epibridge import cli
from epibridge.borders import service as borders
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.cli_support import column_widths
from epibridge.db import write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.statuses import EventStatus
from epibridge.security import Principal, Role
from epibridge.settings import Settings
from tests.helpers import make_user

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
WIDTH = 80
FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
TITLES = [
    "Avian influenza A(H5N1) in poultry workers near the border, Zhetysu region, suspected "
    "human-to-human transmission under investigation (synthetic)",
    "Measles outbreak among unvaccinated children in the Almaty region (synthetic)",
    "Cholera cluster (synthetic)",
]


def _environment(**extra: str) -> dict[str, str]:
    """The process environment without any EPIBRIDGE_* setting of the test run, importing
    this checkout's epibridge wherever the command runs (a relative PYTHONPATH would not)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EPIBRIDGE_")}
    source = str(Path(epibridge.__file__).resolve().parents[1])
    path = os.pathsep.join([source, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))])
    return {**env, "PYTHONPATH": path, "COLUMNS": str(WIDTH), **extra}


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EPIBRIDGE, *args],
        cwd=cwd,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > WIDTH]


# --- tables ---------------------------------------------------------------------------------


def _seed(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        for i, title in enumerate(TITLES):
            notifications.create(
                session,
                actor=FP_KAZ,
                data=NotificationCreate(
                    title=title,
                    disease=("J09", "B05", "A00")[i],
                    onset_date=date.today() - timedelta(days=3 + i),
                    state="KAZ",
                    suspected_cases=12 + i,
                    confirmed_cases=3,
                    deaths=1,
                ),
            )
        borders.load_registry(session, actor=REGISTRY_ACTOR)


def test_tables_fit_80_columns_and_keep_short_words_whole(
    settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    _seed(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    db = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
    }
    listed = _run(["notify", "list"], tmp_path, **db)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "3 notifications" in out and not _too_wide(out), _too_wide(out)
    rows = [line for line in out.splitlines() if re.match(r"^\d+\s+KAZ\s", line)]
    assert len(rows) == 3, out
    # the status (issue: "notifie d v1"), the code and the date stay whole on the row's line
    for row in rows:
        assert re.search(r"\sKAZ\s+notified v1\s+(J09|B05|A00)\s", row), row
        assert re.search(r"\s\d{4}-\d{2}-\d{2}\s", row), row
    # a long title wraps at its spaces: each of its words is whole on some line
    words = {w for title in TITLES for w in title.split() if len(w) <= 12}
    tokens = set(out.split())
    assert words <= tokens, words - tokens

    crossings = _run(["borders", "list"], tmp_path, **db)
    assert crossings.returncode == 0 and not _too_wide(crossings.stdout), crossings.stderr
    assert "KAZ–CHN" in crossings.stdout and "KAZ unknown" in crossings.stdout
    for command in (["users", "list"], ["audit", "list"], ["config"]):
        shown = _run(command, tmp_path, **db)
        assert shown.returncode == 0, (command, shown.stderr)
        assert not _too_wide(shown.stdout), (command, _too_wide(shown.stdout))
    audit = _run(["audit", "list"], tmp_path, **db).stdout
    assert re.search(
        r"\s\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s", audit
    )  # a moment stays on one line


@pytest.mark.parametrize("width", [80, 60, 120])
def test_column_widths_keep_short_columns_and_fit(width: int) -> None:
    columns = ["ID", "State", "Status", "Title", "Note"]
    rows = [["12", "KAZ", "notified v1", "word " * 30, "x" * 200], ["7", "RUS", "draft", "", ""]]
    widths, wrapping = column_widths(columns, rows, width)
    assert sum(widths) + 2 * (len(columns) - 1) <= width
    assert widths[:3] == [2, 5, 11] and wrapping == [False, False, False, True, True]
    assert min(widths[3:]) >= 8
    # few columns keep their natural widths
    assert column_widths(["a", "b"], [["x", "yy"]], width) == ([1, 2], [False, False])


# --- help -----------------------------------------------------------------------------------


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    commands = getattr(command, "commands", None)  # a group (Typer vendors its own click)
    if commands is not None:
        for name, sub in sorted(commands.items()):
            found += _commands(sub, (*path, name))
    return found


def test_every_help_fits_80_columns_with_whole_option_names() -> None:
    root = typer.main.get_command(cli.app)
    runner = CliRunner()
    paths = _commands(root)
    assert len(paths) > 60
    for path in paths:
        result = runner.invoke(cli.app, [*path, "--help"], env={"COLUMNS": str(WIDTH)})
        assert result.exit_code == 0, (path, result.output)
        text = result.output
        assert not _too_wide(text), (path, _too_wide(text))
        assert "╭" not in text  # click's layout, not Rich's squeezed panels
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        context = click.Context(command, info_name=path[-1] if path else "epibridge")
        for param in command.get_params(context):
            record = param.get_help_record(context)
            if record is None:
                continue
            # the option's names and metavar, as one piece on one line of the help
            assert any(line.strip().startswith(record[0]) for line in text.splitlines()), (
                path,
                record[0],
            )
            for name in (n for n in (*param.opts, *param.secondary_opts) if n.startswith("-")):
                assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), (path, name)


def test_help_of_the_real_script_at_80_columns(tmp_path: Path) -> None:
    shown = _run(["notify", "list", "--help"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    # every status, whole (the list grows with the enum: discarded came with drafts)
    assert f"--status <{'|'.join(EventStatus)}>" in shown.stdout
    assert "--onset-from" in shown.stdout and not _too_wide(shown.stdout)
    assert os.listdir(tmp_path) == []


# --- no database ----------------------------------------------------------------------------

NO_DATABASE = [
    ["notify", "list"],
    ["users", "list"],
    ["demo", "load"],
    ["serve", "--port", "1"],
    ["worker", "--once"],
]


@pytest.mark.parametrize("command", NO_DATABASE, ids=" ".join)
def test_without_a_database_a_command_says_how_to_create_one(
    command: list[str], tmp_path: Path
) -> None:
    ran = _run(command, tmp_path)  # the default database: ./var/epibridge.db, absent
    assert ran.returncode != 0
    assert "Traceback" not in ran.stderr + ran.stdout
    assert "there is no database at var/epibridge.db" in ran.stderr
    assert "epibridge db upgrade" in ran.stderr
    assert os.listdir(tmp_path) == []  # no ./var behind the user's back


def test_an_empty_or_outdated_database_is_named_and_left_as_it_was(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    ran = _run(["notify", "list"], tmp_path, EPIBRIDGE_DATABASE_URL=f"sqlite:///{empty}")
    assert ran.returncode != 0 and "Traceback" not in ran.stderr
    assert "has no epibridge tables yet: create them with `epibridge db upgrade`" in ran.stderr
    with sqlite3.connect(empty) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('0003')")
    ran = _run(["users", "list"], tmp_path, EPIBRIDGE_DATABASE_URL=f"sqlite:///{old}")
    assert ran.returncode != 0 and "Traceback" not in ran.stderr
    assert "is at revision 0003, this epibridge needs" in ran.stderr
    assert "run `epibridge db upgrade`" in ran.stderr
    assert sorted(os.listdir(tmp_path)) == ["empty.db", "old.db"]


def test_db_upgrade_creates_the_database_the_message_names(tmp_path: Path) -> None:
    created = _run(["db", "upgrade"], tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "var" / "epibridge.db").is_file()
    listed = _run(["notify", "list"], tmp_path)
    assert listed.returncode == 0 and "0 notifications" in listed.stdout, listed.stderr
