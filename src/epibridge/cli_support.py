"""What every command shares: the settings object, sessions and the principal acting, error
reporting, option parsing and output (JSON for machines, tables for people)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ParamSpec, TypeVar, overload

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console, OverflowMethod
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import create_db_engine, make_sessionmaker, read_session, write_session
from epibridge.errors import DomainError, FieldError, InvalidInput, Unauthenticated
from epibridge.i18n import N_
from epibridge.security import PermissionDenied, Principal, operator_principal
from epibridge.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings built once by the root callback (or fresh ones for a bare sub-app)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


_FACTORIES: dict[tuple[str, str, str], sessionmaker[Session]] = {}


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    """The process's sessions for these settings (their database and their audit keys)."""
    from epibridge import audit

    trail = audit.trail_for(settings)
    cache_key = (settings.database_url, str(trail.keys_dir), str(trail.checkpoint_file))
    factory = _FACTORIES.get(cache_key)
    if factory is None:
        factory = make_sessionmaker(create_db_engine(settings.database_url), audit=trail)
        _FACTORIES[cache_key] = factory
    return factory


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
            err_console.print("[bold red]error:[/] invalid input", highlight=False)
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or "input"
                err_console.print(
                    f"  {where}: {error['msg']} (got {error.get('input')!r})", highlight=False
                )
            raise typer.Exit(code=2) from None
        except DomainError as exc:
            err_console.print(f"[bold red]error:[/] {exc.detail}", highlight=False)
            for error in exc.errors:
                value = f" (got {error.value!r})" if error.value is not None else ""
                err_console.print(f"  {error.field}: {error.message}{value}", highlight=False)
            raise typer.Exit(code=2 if exc.status in (400, 422) else 1) from None
        except PermissionDenied as exc:
            # ``authorize``'s refusal, as the API's 403: a message, not a traceback.
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper


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


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    overflow: OverflowMethod = "ellipsis",
) -> None:
    """Print rows for people as one table with a title; ``overflow="fold"`` wraps long cells."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow=overflow)
    for row in rows:
        table.add_row(*row)
    console.print(table)
