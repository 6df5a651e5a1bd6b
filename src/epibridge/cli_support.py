"""What every command shares: the settings object, sessions and the principal acting, error
reporting, option parsing and output (JSON for machines, tables for people)."""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar, overload
from urllib.parse import quote

import typer
from pydantic import BaseModel, ValidationError
from rich import box
from rich.cells import cell_len
from rich.console import Console, OverflowMethod
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import (
    create_db_engine,
    describe_error,
    make_sessionmaker,
    read_session,
    write_session,
)
from epibridge.errors import DomainError, FieldError, InvalidInput, NoDatabase, Unauthenticated
from epibridge.i18n import N_
from epibridge.security import PermissionDenied, Principal, operator_principal
from epibridge.settings import Settings
from epibridge.validation_messages import field_error

P = ParamSpec("P")
R = TypeVar("R")


def terminal() -> Console:
    """Standard output sized as the terminal is now: ``COLUMNS`` and the window are read at
    each call (a console made at import would keep the width of whoever imported it first)."""
    return Console()


err_console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings built once by the root callback (or fresh ones for a bare sub-app)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


_FACTORIES: dict[tuple[str, str, str], sessionmaker[Session]] = {}


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    """The process's sessions for these settings (their database and their audit keys).

    The database must exist and carry the current schema: a command never creates one (nor
    its folder) behind the user's back, it says how to (``require_database``).
    """
    from epibridge import audit

    trail = audit.trail_for(settings)
    cache_key = (settings.database_url, str(trail.keys_dir), str(trail.checkpoint_file))
    factory = _FACTORIES.get(cache_key)
    if factory is None:
        engine = require_database(settings.database_url)
        factory = make_sessionmaker(engine, audit=trail)
        _FACTORIES[cache_key] = factory
    return factory


UPGRADE = "epibridge db upgrade"


def require_database(database_url: str) -> Engine:
    """The engine of a database that exists and has the current schema; else ``NoDatabase``
    saying how to create or upgrade it.

    A SQLite file is looked for, and read only, before the engine opens it: SQLite would
    create a missing file (and the engine its folder), and the engine turns a file it opens
    to WAL; neither may happen to a file that is not an epibridge database.
    """
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    engine: Engine | None = None
    try:
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            current = _sqlite_revisions(Path(url.database))
        else:
            engine = create_db_engine(database_url)
            current = _revisions(engine)
    except (DBAPIError, sqlite3.Error) as exc:
        if engine is not None:
            engine.dispose()
        raise NoDatabase(
            N_("cannot use the database {url}: {reason}"),
            params={"url": shown, "reason": describe_error(exc)},
        ) from None
    from epibridge.migrate import head_revisions

    heads = head_revisions()
    if current != heads:
        if engine is not None:
            engine.dispose()
        if not current:
            raise NoDatabase(
                N_("the database {url} has no epibridge tables yet: create them with `{command}`"),
                params={"url": shown, "command": UPGRADE},
            )
        raise NoDatabase(
            N_(
                "the database {url} is at revision {current}, this epibridge needs {heads}: run "
                "`{command}`"
            ),
            params={"url": shown, "current": current, "heads": heads, "command": UPGRADE},
        )
    return engine or create_db_engine(database_url)


def _sqlite_revisions(path: Path) -> tuple[str, ...]:
    """The revisions of a SQLite file, read without writing to it; ``NoDatabase`` if absent."""
    if not path.is_file():
        raise NoDatabase(
            N_(
                "there is no database at {path}: create it with `{command}` (or choose another "
                "with EPIBRIDGE_DATABASE_URL)"
            ),
            params={"path": str(path), "command": UPGRADE},
        )
    if path.stat().st_size == 0:
        return ()
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if found is None:
            return ()
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return tuple(sorted(row[0] for row in rows))


def _revisions(engine: Engine) -> tuple[str, ...]:
    """The Alembic revisions the database is at (none: it was never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return ()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return tuple(sorted(row[0] for row in rows))


def operator() -> Principal:
    """The principal every command acts as: ``operator:<OS user>``, named in each audit entry.

    The one place the console's identity is made, so no command invents its own actor.
    """
    return operator_principal()


def acting_as(session: Session, name: str | None) -> Principal:
    """The operator, or the named account when a command takes ``--as``: that account's rights
    apply, and its audit entries name both (``user:fp-kaz via operator:<OS user>``)."""
    if name is None:
        return operator()
    from dataclasses import replace

    from epibridge.members import accounts

    user = accounts.get_user(session, name=name)
    if not user.is_active:
        raise Unauthenticated(
            N_("account {name} is deactivated"),
            [FieldError("--as", "inactive", name)],
            params={"name": name},
        )
    return replace(accounts.principal_of(user), via=operator().actor)


@contextmanager
def writing(ctx: typer.Context) -> Iterator[Session]:
    with write_session(sessions_for(settings_of(ctx))) as session:
        yield session


@contextmanager
def reading(ctx: typer.Context) -> Iterator[Session]:
    with read_session(sessions_for(settings_of(ctx))) as session:
        yield session


@contextmanager
def writing_as(ctx: typer.Context, name: str | None = None) -> Iterator[tuple[Session, Principal]]:
    """A write session and who acts in it: the operator, or the ``--as`` account ``name``."""
    with writing(ctx) as session:
        yield session, acting_as(session, name)


@contextmanager
def reading_as(ctx: typer.Context, name: str | None = None) -> Iterator[tuple[Session, Principal]]:
    """A read session and who acts in it: the operator, or the ``--as`` account ``name``."""
    with reading(ctx) as session:
        yield session, acting_as(session, name)


def report_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a service's ``DomainError`` or a refused permission into a readable message and
    exit code 2 (input) or 1; every command is wrapped in it."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            _say("invalid input", error=True)
            for error in exc.errors():
                problem = field_error(error)
                _say(
                    f"  {problem.field or 'input'}: {problem.message} (got {error.get('input')!r})"
                )
            raise typer.Exit(code=2) from None
        except DomainError as exc:
            _say(exc.detail, error=True)
            for problem in exc.errors:
                value = f" (got {problem.value!r})" if problem.value is not None else ""
                _say(f"  {problem.field}: {problem.message}{value}")
            raise typer.Exit(code=2 if exc.status in (400, 422) else 1) from None
        except PermissionDenied as exc:
            # ``authorize``'s refusal, as the API's 403: a message, not a traceback.
            _say(str(exc), error=True)
            raise typer.Exit(code=1) from None

    return wrapper


def _say(text: str, *, error: bool = False) -> None:
    """One line of an error report on stderr: the text as written (no markup read in it) and
    not wrapped, so a command or a path in it can be copied whole."""
    prefix = "[bold red]error:[/] " if error else ""
    err_console.print(prefix + escape(text), highlight=False, soft_wrap=True)


def choice_enum(name: str, values: Iterable[str], *extra: str) -> type[StrEnum]:
    """A command option's choices taken from the domain's vocabulary, plus the CLI's ``extra``.

    Typer lists an enum's values as the choices; built from the vocabulary (an enum, a
    ``Literal``'s arguments), they cannot drift from what the service accepts.
    """
    members = [str(value) for value in values] + list(extra)
    return StrEnum(name, [(member, member) for member in members])  # type: ignore[return-value]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


#: ``--format/-f table|json``: a table for people (the default), JSON for machines.
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


@overload
def parse_day(value: str, option: str) -> date: ...
@overload
def parse_day(value: None, option: str) -> None: ...
@overload
def parse_day(value: str | None, option: str) -> date | None: ...
def parse_day(value: str | None, option: str) -> date | None:
    """An option's ISO date (YYYY-MM-DD), or an input error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            N_("{option} must be a date YYYY-MM-DD"),
            [FieldError(option, "malformed date", value)],
            params={"option": option},
        ) from None


def is_terminal() -> bool:
    return sys.stderr.isatty()


def echo_json(value: Any) -> None:
    """Print JSON for machines: plain stdout, no colour, no wrapping.

    A read model, or a list of them, is written as the API writes it (pydantic's JSON mode).
    """
    import json

    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        value = [item.model_dump(mode="json") for item in value]
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


#: A column whose every value (and heading) is at most this wide never wraps: statuses, codes,
#: dates and counts stay whole; longer texts (titles, notes) wrap at their spaces instead.
SHORT_COLUMN = 20
#: The narrowest a wrapping column gets, however many columns share the line.
MIN_WRAPPING = 8
#: What a table puts between two columns (``box.SIMPLE_HEAD``, collapsed padding).
COLUMN_GAP = 2


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    overflow: OverflowMethod = "ellipsis",
) -> None:
    """Print rows for people as one table with a title, as wide as the terminal allows.

    The table fits the console's width (80 columns when it is not a terminal, ``COLUMNS``
    when set): short columns keep their values whole on one line, long ones share what is
    left and wrap at spaces; a word too long for its column is cut with an ellipsis, or
    folded onto the next line with ``overflow="fold"`` (for values that must stay complete,
    such as URLs).
    """
    body = [[str(cell) for cell in row] for row in rows]
    out = terminal()
    widths, wrapping = column_widths(columns, body, out.width)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    for column, width, wraps in zip(columns, widths, wrapping, strict=True):
        table.add_column(
            column, width=width, no_wrap=not wraps, overflow=overflow if wraps else "ellipsis"
        )
    for row in body:
        table.add_row(*row)
    out.print(table)


def column_widths(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> tuple[list[int], list[bool]]:
    """Each column's width, and whether it wraps, for a table ``width`` columns wide."""
    natural = [
        max(
            cell_len(line)
            for value in (heading, *(row[i] for row in rows))
            for line in value.split("\n") or [""]
        )
        for i, heading in enumerate(columns)
    ]
    available = max(width - COLUMN_GAP * (len(columns) - 1), len(columns))
    wrapping = [n > SHORT_COLUMN for n in natural]
    if sum(natural) <= available:
        return natural, wrapping
    widths = [n if not wraps else 0 for n, wraps in zip(natural, wrapping, strict=True)]
    long = [i for i, wraps in enumerate(wrapping) if wraps]
    room = available - sum(widths)
    if long and room >= MIN_WRAPPING * len(long):
        _share(widths, natural, long, room)
        return widths, wrapping
    # Too many short columns for the line: the wrapping ones get their least, and the widest
    # short ones give up characters (cut with an ellipsis) until the table fits.
    for i in long:
        widths[i] = MIN_WRAPPING
    while sum(widths) > available:
        widest = max(range(len(widths)), key=lambda i: (not wrapping[i], widths[i]))
        if widths[widest] <= 3:
            break
        widths[widest] -= 1
    return widths, wrapping


def _share(widths: list[int], natural: list[int], long: list[int], room: int) -> None:
    """Give the wrapping columns ``room``: each its natural width or a fair share of it."""
    waiting = sorted(long, key=lambda i: natural[i])
    while waiting:
        fair = room // len(waiting)
        i = waiting.pop(0)
        widths[i] = min(natural[i], max(fair, MIN_WRAPPING))
        room -= widths[i]
