"""Commands for the organization profile (`epibridge org`) and accounts (`epibridge users`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from epibridge.cli_support import (
    echo_json,
    parse_day,
    print_table,
    reading,
    report_errors,
    settings_of,
    writing_as,
)
from epibridge.db import utcnow
from epibridge.errors import InvalidInput
from epibridge.i18n import N_
from epibridge.members import accounts, service, views
from epibridge.members.schemas import AccountRole, UserCreate
from epibridge.members.statuses import MembershipStatus
from epibridge.security import new_password

org_app = typer.Typer(help="The organization profile: members on a date, the chair, histories.")
users_app = typer.Typer(help="Accounts and API tokens.")


class OutputFormat(StrEnum):
    """The shared table/json formats and, for lists of states, csv."""

    table = "table"
    json = "json"
    csv = "csv"


def _on(value: str | None) -> date:
    """The ``--on`` date, today when not given."""
    return parse_day(value, "--on") or utcnow().date()


OnOption = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today).")]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


@org_app.command("members")
@report_errors
def members(
    ctx: typer.Context, on: OnOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """List the member states on a date."""
    _print_states(ctx, _on(on), MembershipStatus.MEMBER, fmt)


@org_app.command("states")
@report_errors
def states(
    ctx: typer.Context,
    on: OnOption = None,
    status: Annotated[
        MembershipStatus | None, typer.Option(help="Only states holding this status.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List every state related to the organization on a date, with its status."""
    _print_states(ctx, _on(on), status, fmt)


def _print_states(
    ctx: typer.Context, day: date, status: MembershipStatus | None, fmt: OutputFormat
) -> None:
    with reading(ctx) as session:
        items = [
            views.state_read(item) for item in service.list_states(session, on=day, status=status)
        ]
    if fmt is OutputFormat.json:
        echo_json(items)
        return
    if fmt is OutputFormat.csv:
        typer.echo("iso3,name,status,status_since")
        for item in items:
            typer.echo(f"{item.iso3},{item.name},{item.status},{item.status_since}")
        return
    print_table(
        f"{len(items)} states on {day}",
        ("ISO3", "Name", "Status", "Since"),
        ((i.iso3, i.name, i.status or "", str(i.status_since or "")) for i in items),
    )


@org_app.command("chair")
@report_errors
def chair(ctx: typer.Context, on: OnOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Name the state chairing the organization on a date."""
    day = _on(on)
    with reading(ctx) as session:
        period = service.chair_on(session, on=day)
        if period is None:
            raise InvalidInput(N_("no chairmanship is recorded for {day}"), params={"day": day})
        read = views.chair_read(period, service.get_state(session, iso3=period.state_iso3))
    if fmt is OutputFormat.json:
        echo_json(read)
        return
    until = read.valid_until.isoformat() if read.valid_until else "open"
    typer.echo(f"{read.iso3} {read.name} (chair {read.valid_from} – {until}; {read.summit})")


@org_app.command("history")
@report_errors
def history(ctx: typer.Context, iso3: str, fmt: FormatOption = OutputFormat.table) -> None:
    """Show the status history of one state."""
    with reading(ctx) as session:
        detail = views.state_detail(service.get_state(session, iso3=iso3), utcnow().date())
    if fmt is OutputFormat.json:
        echo_json(detail)
        return
    print_table(
        f"{detail.iso3} {detail.name}",
        ("Status", "From", "Until", "Source"),
        (
            (p.status, str(p.valid_from), str(p.valid_until or ""), p.source or "")
            for p in detail.history
        ),
    )


@users_app.command("create")
@report_errors
def create(
    ctx: typer.Context,
    name: str,
    role: Annotated[AccountRole, typer.Option(help="Role of the account.")],
    state: Annotated[
        str | None, typer.Option(help="ISO3 of the state (focal_point, observer, system).")
    ] = None,
    email: Annotated[str | None, typer.Option(help="E-mail for notifications.")] = None,
    display_name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    language: Annotated[str, typer.Option(help="Preferred language: en, ru or zh.")] = "en",
    password: Annotated[
        bool, typer.Option("--password/--no-password", help="Set a random web password.")
    ] = False,
) -> None:
    """Create an account; the new API token is the last line of the output."""
    settings = settings_of(ctx)
    plain_password = new_password() if password else None
    data = UserCreate(
        name=name,
        role=role,
        state=state,
        email=email,
        display_name=display_name,
        language=language,  # type: ignore[arg-type]
        password=plain_password,
    )
    with writing_as(ctx) as (session, actor):
        user, issued = accounts.create_user(
            session, actor=actor, data=data, token_ttl_days=settings.token_ttl_days
        )
    typer.echo(
        f"created {user.name} ({user.role}{', ' + user.state_iso3 if user.state_iso3 else ''})"
    )
    if plain_password:
        typer.echo(f"password: {plain_password}")
    typer.echo(f"token expires {issued.expires_at:%Y-%m-%d}; it is shown only now:")
    typer.echo(issued.token)


@users_app.command("list")
@report_errors
def list_(
    ctx: typer.Context,
    role: Annotated[AccountRole | None, typer.Option(help="Only this role.")] = None,
    state: Annotated[str | None, typer.Option(help="Only this state (ISO3).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List accounts."""
    with reading(ctx) as session:
        rows = [
            accounts.to_read(session, u)
            for u in accounts.list_users(session, role=role, state=state)
        ]
    if fmt is OutputFormat.json:
        echo_json(rows)
        return
    print_table(
        f"{len(rows)} accounts",
        ("Name", "Role", "State", "Active", "Tokens", "Created"),
        (
            (
                r.name,
                r.role,
                r.state or "",
                "yes" if r.is_active else "no",
                str(r.active_tokens),
                f"{r.created_at:%Y-%m-%d}",
            )
            for r in rows
        ),
    )


@users_app.command("revoke")
@report_errors
def revoke(
    ctx: typer.Context,
    name: str,
    deactivate: Annotated[
        bool, typer.Option(help="Also deactivate the account (no web sign-in either).")
    ] = False,
) -> None:
    """Revoke every API token of an account."""
    with writing_as(ctx) as (session, actor):
        count = accounts.revoke(session, actor=actor, name=name, deactivate=deactivate)
    typer.echo(f"revoked {count} token(s) of {name}{'; account deactivated' if deactivate else ''}")


@users_app.command("token")
@report_errors
def token(
    ctx: typer.Context,
    name: str,
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Issue another API token for an account; the token is the last line of the output."""
    settings = settings_of(ctx)
    with writing_as(ctx) as (session, actor):
        user = accounts.get_user(session, name=name)
        issued = accounts.issue_token(
            session, actor=actor, user=user, ttl_days=settings.token_ttl_days, label=label
        )
    typer.echo(f"token expires {issued.expires_at:%Y-%m-%d}; it is shown only now:")
    typer.echo(issued.token)


@users_app.command("set-password")
@report_errors
def set_password(
    ctx: typer.Context,
    name: str,
    password: Annotated[
        str | None,
        typer.Option(help="The new password (at least 8 characters); random when omitted."),
    ] = None,
) -> None:
    """Set the web sign-in password of an account and clear any lockout."""
    value = password or new_password()
    with writing_as(ctx) as (session, actor):
        accounts.set_password(session, actor=actor, name=name, password=value)
    typer.echo(f"password of {name} set" + ("" if password else f": {value}"))


@users_app.command("end-sessions")
@report_errors
def end_sessions(ctx: typer.Context, name: str) -> None:
    """End every browser session of an account at once (its cookies stop working)."""
    with writing_as(ctx) as (session, actor):
        ended = accounts.end_sessions(session, actor=actor, name=name)
    typer.echo(f"ended {ended} session(s) of {name}")
