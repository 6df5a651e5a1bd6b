"""The `epibridge` command: mounts each domain's commands and the service-level ones."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, MutableMapping
from typing import Annotated, Any, ParamSpec, TypeVar

import click
import typer
from typer.core import TyperGroup

from epibridge import __version__

P = ParamSpec("P")
R = TypeVar("R")

#: Domain command groups (name -> module, attribute), imported only when used:
#: importing every domain (SQLAlchemy, FastAPI, pydantic models) takes seconds that
#: `epibridge detect file` does not need. `epibridge --help` still lists them all.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "org": ("epibridge.members.cli", "org_app"),
    "users": ("epibridge.members.cli", "users_app"),
    "detect": ("epibridge.detection.cli", "app"),
    "subscriptions": ("epibridge.notifications.outbox.cli", "subscriptions_app"),
    "worker": ("epibridge.notifications.outbox.cli", "worker"),
    "notify": ("epibridge.notifications.cli", "notify_app"),
    "data": ("epibridge.epidata.cli", "data_app"),
    "borders": ("epibridge.borders.cli", "borders_app"),
    "assistance": ("epibridge.assistance.cli", "assistance_app"),
    "consult": ("epibridge.consultations.cli", "app"),
    "report": ("epibridge.reports.cli", "report_app"),
    "scheduler": ("epibridge.runtime.cli", "scheduler"),
    "preparedness": ("epibridge.preparedness.cli", "preparedness_app"),
    "timeliness": ("epibridge.timeliness.cli", "app"),
    "dhis2": ("epibridge.gateways.dhis2.cli", "dhis2_app"),
    "sdmx": ("epibridge.gateways.sdmx.cli", "sdmx_app"),
    "edxl": ("epibridge.gateways.edxl.cli", "edxl_app"),
    "federation": ("epibridge.federation.cli", "app"),
}


class LazyGroup(TyperGroup):
    """The root group: a command of ``LAZY_COMMANDS`` is imported when looked up."""

    def __init__(self, **kwargs: Any) -> None:
        self._loaded: dict[str, click.Command] = {}
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def commands(self) -> MutableMapping[str, click.Command]:
        """Every command, lazy ones imported (for introspection such as the doc tests)."""
        for name in LAZY_COMMANDS:
            self._lazy(name)
        return self._loaded

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._loaded = dict(value)

    def _lazy(self, name: str) -> click.Command | None:
        if name not in self._loaded and name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name]
            target = getattr(importlib.import_module(module), attribute)
            if not isinstance(target, typer.Typer):
                target, command = typer.Typer(), target
                target.command(name)(command)
            cmd = plain_help(typer.main.get_command(target))
            cmd.name = name
            self._loaded[name] = cmd
        return self._loaded.get(name)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._loaded[name or cmd.name or ""] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._lazy(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self._loaded, *(n for n in LAZY_COMMANDS if n not in self._loaded)]


def plain_help(command: click.Command) -> click.Command:
    """Use click's help layout for ``command`` and everything under it.

    Rich's panels squeeze three columns into the terminal and cut option names and their
    choices mid-word at 80 columns; click's layout keeps each option whole on its line and
    wraps the help text beside or under it.
    """
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None  # type: ignore[attr-defined]
    subcommands = getattr(command, "commands", None)  # a group (Typer's click, not click's)
    if isinstance(subcommands, dict) and not isinstance(command, LazyGroup):
        for sub in subcommands.values():
            plain_help(sub)
    return command


#: Help as wide as the terminal, up to 100 columns (click's own limit is 80).
CONTEXT = {"max_content_width": 100}


def report_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """``cli_support.report_errors``, imported when the command runs (it pulls in SQLAlchemy)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from epibridge.cli_support import report_errors as wrap

        return wrap(fn)(*args, **kwargs)

    return run


app = typer.Typer(
    help="epibridge: notification, epidemic data and coordinated response among member states.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
    rich_markup_mode=None,
    context_settings=CONTEXT,
)
db_app = typer.Typer(help="The database: migrations and status.", rich_markup_mode=None)
audit_app = typer.Typer(
    help="The keyed, hash-chained audit log and its signed checkpoints.", rich_markup_mode=None
)
demo_app = typer.Typer(help="The demo organization's accounts and data.", rich_markup_mode=None)


@app.callback()
def root(ctx: typer.Context) -> None:
    """Settings come from EPIBRIDGE_* environment variables (see `epibridge config`)."""
    if ctx.invoked_subcommand != "detect":  # detection reads files only: keep it quick to start
        from epibridge.settings import Settings

        ctx.obj = Settings()


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command("config")
def config(ctx: typer.Context) -> None:
    """List every setting, its environment variable, current value and meaning."""
    from epibridge.cli_support import print_table, settings_of
    from epibridge.settings import settings_documentation

    settings = settings_of(ctx)
    rows = []
    for variable, description in settings_documentation().items():
        field = variable.removeprefix("EPIBRIDGE_").lower()
        value = getattr(settings, field)
        secret = field in {"secret_key", "smtp_password"} or "password" in field
        rows.append((variable, "(set)" if secret and value else str(value), description))
    print_table(
        "Settings (environment variables)", ("Variable", "Value", "Meaning"), rows, overflow="fold"
    )


@db_app.command("upgrade")
@report_errors
def db_upgrade(
    ctx: typer.Context,
    profile: Annotated[
        bool, typer.Option(help="Load the configured profile into a new database.")
    ] = True,
) -> None:
    """Apply all migrations; on a new database also load the organization profile."""
    from epibridge import migrate
    from epibridge.cli_support import settings_of

    result = migrate.upgrade(settings_of(ctx), load_profile=profile)
    typer.echo(
        f"database at revision {result['revision']} ({result['tables']} tables)"
        + ("; organization profile loaded" if result["profile_loaded"] else "")
    )


@audit_app.command("verify")
@report_errors
def audit_verify(ctx: typer.Context) -> None:
    """Check the keyed chain and its signed checkpoints; exit 1 naming what does not match."""
    from rich.markup import escape

    from epibridge import audit
    from epibridge.cli_support import err_console, reading

    with reading(ctx) as session:
        trail = audit.trail_of(session)
        result = audit.verify(session, trail)
    if not result.ok:
        for problem in result.problems:
            err_console.print(f"[bold red]{escape(problem.message())}[/]", highlight=False)
        err_console.print(
            f"({result.entries} entries read, {len(result.checkpoints)} checkpoints valid, "
            f"checkpoints in {trail.checkpoint_file})",
            highlight=False,
        )
        raise typer.Exit(code=1)
    latest = result.latest
    covered = (
        f"latest checkpoint {latest.at} covers entries up to {latest.head.last_id}; "
        f"{result.uncovered} written since are not yet covered"
        if latest is not None
        else "no checkpoint yet (`epibridge audit checkpoint` writes one)"
    )
    typer.echo(
        f"audit chain intact: {result.entries} entries verified, "
        f"{len(result.checkpoints)} checkpoints verified; {covered}"
    )


@audit_app.command("checkpoint")
@report_errors
def audit_checkpoint(ctx: typer.Context) -> None:
    """Sign the chain's head now and append it to the checkpoint file."""
    from epibridge import audit
    from epibridge.cli_support import reading

    with reading(ctx) as session:
        trail = audit.trail_of(session)
        checkpoint = trail.checkpoint(session)
    assert checkpoint is not None
    typer.echo(
        f"checkpoint written to {trail.checkpoint_file}: {checkpoint.head.count} entries up to "
        f"entry {checkpoint.head.last_id} (hash {checkpoint.head.last_hash[:16]}…), "
        f"signed with key {checkpoint.key_id}"
    )


@audit_app.command("list")
@report_errors
def audit_list(
    ctx: typer.Context,
    last: Annotated[int, typer.Option(help="How many of the newest entries.")] = 20,
    entity: Annotated[str | None, typer.Option(help="Only this entity type.")] = None,
) -> None:
    """Show the newest audit entries."""
    from sqlalchemy import select

    from epibridge import audit
    from epibridge.cli_support import print_table, reading

    query = select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(last)
    if entity:
        query = query.where(audit.AuditEntry.entity == entity)
    with reading(ctx) as session:
        rows = list(session.execute(query).scalars())
    print_table(
        "Audit log (newest first)",
        ("#", "At (UTC)", "Actor", "Action", "Entity", "Hash"),
        (
            (
                str(row.id),
                f"{row.at:%Y-%m-%d %H:%M:%S}",
                row.actor,
                row.action,
                f"{row.entity}/{row.entity_id}",
                row.hash[:12],
            )
            for row in rows
        ),
    )


@demo_app.command("load")
@report_errors
def demo_load(
    ctx: typer.Context,
    reset: Annotated[
        bool, typer.Option("--reset", help="Issue new passwords and tokens (old tokens revoked).")
    ] = False,
) -> None:
    """Load the demo: accounts, SYNTHETIC data up to this week, signals, a scenario, a report.

    Loading again keeps the passwords and tokens and adds only what is missing.
    """
    from epibridge.cli_support import settings_of
    from epibridge.demo_scenario.cli import run_load

    run_load(settings_of(ctx), reset=reset)


@app.command("serve")
@report_errors
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: EPIBRIDGE_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: EPIBRIDGE_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only).")] = 1,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Send webhooks and e-mail from this process (default: EPIBRIDGE_SERVE_WORKER).",
        ),
    ] = None,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run detection, reminders and reports when leading "
            "(default: EPIBRIDGE_SERVE_SCHEDULER).",
        ),
    ] = None,
) -> None:
    """Serve the web UI and the API, with the delivery worker and the schedules beside them."""
    import os

    import uvicorn

    from epibridge.cli_support import require_database, settings_of

    settings = settings_of(ctx)
    require_database(settings.database_url).dispose()  # say how to create it, never serve none
    overrides = {"serve_worker": worker, "serve_scheduler": scheduler}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(
        f"serving on http://{bind_host}:{bind_port} (API docs at /docs); "
        f"delivery worker {'on' if settings.serve_worker else 'off'}, "
        f"scheduler {'on' if settings.serve_scheduler else 'off'}"
    )
    if workers > 1:
        # Each process builds its app from the environment: pass the choices on through it.
        os.environ["EPIBRIDGE_SERVE_WORKER"] = str(settings.serve_worker).lower()
        os.environ["EPIBRIDGE_SERVE_SCHEDULER"] = str(settings.serve_scheduler).lower()
        uvicorn.run(
            "epibridge.runtime.served:create_served_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
        )
    else:
        from epibridge.runtime.served import create_served_app

        uvicorn.run(create_served_app(settings), host=bind_host, port=bind_port)


app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
# Domain command groups: one LAZY_COMMANDS entry (or add_typer line) per domain, above this.


def main() -> None:
    """The console script: a command that finds no database says how to make one, no
    traceback (commands not wrapped in ``report_errors``, such as the worker, included)."""
    from epibridge.errors import NoDatabase

    try:
        app()
    except NoDatabase as exc:
        sys.stderr.write(f"error: {exc.detail}\n")
        raise SystemExit(1) from None
