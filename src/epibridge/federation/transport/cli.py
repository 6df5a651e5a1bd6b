"""``epibridge federation sync`` and ``status``: one round with every peer, and where each stands.

Functions added to fedcore's ``federation`` group by ``add_to`` (one line in its cli.py).
"""

from __future__ import annotations

import typer

from epibridge.cli_support import (
    FormatOption,
    OutputFormat,
    echo_json,
    operator,
    print_table,
    reading,
    report_errors,
    sessions_for,
    settings_of,
)
from epibridge.federation.transport import service
from epibridge.federation.transport.sync import sync_once


@report_errors
def sync(ctx: typer.Context) -> None:
    """Run one push-and-pull round with every peer; exit 1 if one did not answer."""
    settings = settings_of(ctx)
    rounds = sync_once(sessions_for(settings), actor=operator(), settings=settings)
    failed = [r for r in rounds if not r.ok]
    for r in rounds:
        if r.ok:
            typer.echo(
                f"{r.node_id}: pushed {r.pushed} (refused {r.rejected}), pulled {r.pulled} "
                f"(already had {r.duplicates}, refused {r.refused})"
            )
        else:
            typer.echo(f"{r.node_id}: no answer: {r.error}", err=True)
    if not rounds:
        typer.echo("no peers: add nodes (hub) or join a hub first")
    if failed:
        raise typer.Exit(code=1)


@report_errors
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Per peer: messages queued and refused, last contact, lag."""
    with reading(ctx) as session:
        peers = service.status(session, actor=operator())
    rows = [
        {
            "node_id": p.node_id,
            "state": p.state,
            "url": p.url,
            "queued": p.queued,
            "failed": p.failed,
            "last_contact": p.last_contact.isoformat() if p.last_contact else None,
            "lag": p.lag_seconds,
            "behind": p.behind,
            "failures": p.failures,
            "last_error": p.last_error,
        }
        for p in peers
    ]
    if fmt == OutputFormat.json:
        echo_json(rows)
        return
    print_table(
        "Federation peers",
        ["node", "state", "queued", "failed", "last contact", "lag (s)", "error"],
        [
            [
                r["node_id"],
                r["state"] or "hub",
                r["queued"],
                r["failed"],
                (r["last_contact"] or "never")[:19],
                r["lag"],
                r["last_error"] or "",
            ]
            for r in rows
        ],
    )


def add_to(app: typer.Typer) -> None:
    """Register ``sync`` and ``status`` in the ``federation`` group."""
    app.command("sync")(sync)
    app.command("status")(status)
