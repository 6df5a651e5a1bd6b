"""`epibridge federation`: make this deployment a node, keep the trust list, join the hub."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from epibridge.cli_support import (
    echo_json,
    print_table,
    reading_as,
    report_errors,
    settings_of,
    writing_as,
)
from epibridge.db import utcnow
from epibridge.federation import hub, join, keys, trust
from epibridge.federation.messages import Refused
from epibridge.federation.sharing_cli import sharing_app
from epibridge.federation.transport import cli as transport_cli

app = typer.Typer(help="National nodes and the hub: keys, the trust list, joining.")
trust_app = typer.Typer(help="The hub's trust list: nodes, their states and keys.")
keys_app = typer.Typer(help="This node's signing keys.")
app.add_typer(trust_app, name="trust")
app.add_typer(keys_app, name="keys")

StateOption = Annotated[str, typer.Option("--state", help="ISO 3166 alpha-3 code (KAZ).")]
UrlOption = Annotated[str, typer.Option("--url", help="The node's base URL (https://...).")]


def _refused(exc: Refused) -> typer.Exit:
    typer.echo(f"error: {exc.reason}", err=True)
    return typer.Exit(code=1)


@app.command("init")
@report_errors
def init(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Option("--node-id", help="This node's id (kaz-node).")],
    url: UrlOption,
    state: Annotated[
        str | None, typer.Option("--state", help="The state this node speaks for (ISO3).")
    ] = None,
    is_hub: Annotated[
        bool, typer.Option("--hub", help="Make this the hub (the Secretariat's node).")
    ] = False,
) -> None:
    """Make this deployment a node: its first key; the last line is its public JWK."""
    settings = settings_of(ctx)
    with writing_as(ctx) as (session, principal):
        key = trust.init_node(
            session,
            principal=principal,
            node_id=node_id,
            url=url,
            state=state,
            hub=is_hub,
            keys_dir=keys.keys_dir(settings.var_dir),
            now=utcnow(),
        )
    role = "hub" if is_hub else f"national node of {state.upper() if state else ''}"
    typer.echo(f"{node_id} is now the {role}; key {key.kid}")
    typer.echo(f"private key: {keys.keys_dir(settings.var_dir)}/federation-{key.kid}.key")
    typer.echo("public key (give it to the hub's operator; it is not secret):")
    typer.echo(keys.jwk_line(key.key))


@trust_app.command("add")
@report_errors
def trust_add(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(help="The node's id, as it chose at init.")],
    state: StateOption,
    url: UrlOption,
    key: Annotated[str, typer.Option("--key", help="The node's public key (JWK JSON).")],
) -> None:
    """On the hub: trust a state's node (again: add a key) and issue the trust list."""
    settings = settings_of(ctx)
    with writing_as(ctx) as (session, principal):
        node = hub.add_node(
            session,
            principal=principal,
            node_id=node_id,
            state=state,
            url=url,
            jwk=key,
            keys_dir=keys.keys_dir(settings.var_dir),
            now=utcnow(),
        )
    typer.echo(f"{node.node_id} ({node.state}) trusted with {len(node.keys)} key(s)")


@trust_app.command("list")
@report_errors
def trust_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every node this node trusts (itself first) and each key's status now."""
    now = utcnow()
    with reading_as(ctx) as (session, principal):
        nodes = trust.list_nodes(session, principal=principal)
    rows = [
        {
            "node_id": node.node_id,
            "role": node.role.value,
            "state": node.state,
            "url": node.url,
            "self": node.is_self,
            "kid": key.kid,
            "status": key.status(now),
            "not_after": key.not_after.isoformat() if key.not_after else None,
        }
        for node in nodes
        for key in node.keys
    ]
    if as_json:
        echo_json(rows)
        return
    print_table(
        ["node", "role", "state", "key", "status", "until"],
        [
            [
                r["node_id"],
                r["role"],
                r["state"] or "",
                r["kid"][:12],
                r["status"],
                r["not_after"] or "",
            ]
            for r in rows
        ],
    )


@trust_app.command("revoke")
@report_errors
def trust_revoke(
    ctx: typer.Context,
    node_id: Annotated[str, typer.Argument(help="The node whose key is revoked.")],
    kid: Annotated[
        str | None, typer.Option("--kid", help="The key id; without it, all (the node leaves).")
    ] = None,
) -> None:
    """On the hub: revoke a node's key (at once, for every message) and issue the list."""
    settings = settings_of(ctx)
    with writing_as(ctx) as (session, principal):
        revoked = hub.revoke(
            session,
            principal=principal,
            node_id=node_id,
            kid=kid,
            keys_dir=keys.keys_dir(settings.var_dir),
            now=utcnow(),
        )
    typer.echo(f"revoked {len(revoked)} key(s) of {node_id}: {', '.join(revoked)}")


@keys_app.command("rotate")
@report_errors
def keys_rotate(
    ctx: typer.Context,
    overlap: Annotated[
        int, typer.Option("--overlap", min=1, help="Days the old key stays valid.")
    ] = 7,
) -> None:
    """A new key; the old one signs until the overlap ends; the last line is the new JWK."""
    settings = settings_of(ctx)
    with writing_as(ctx) as (session, principal):
        fresh = hub.rotate(
            session,
            principal=principal,
            keys_dir=keys.keys_dir(settings.var_dir),
            overlap=timedelta(days=overlap),
            now=utcnow(),
        )
    typer.echo(f"new key {fresh.kid}; the old key stays valid {overlap} more day(s)")
    typer.echo(keys.jwk_line(fresh.key))


@app.command("join")
@report_errors
def join_hub(
    ctx: typer.Context,
    hub_url: Annotated[str, typer.Option("--hub-url", help="The hub's base URL.")],
    hub_key: Annotated[
        str, typer.Option("--hub-key", help="The hub's public key (JWK JSON) from its operator.")
    ],
) -> None:
    """On a national node: pin the hub's key, fetch its trust list and check it."""
    settings = settings_of(ctx)
    token = join.fetch_trust_list(hub_url, allowed_networks=settings.federation_allowed_networks)
    try:
        with writing_as(ctx) as (session, principal):
            version = join.join(
                session, principal=principal, hub_key=hub_key, token=token, now=utcnow()
            )
    except Refused as exc:
        raise _refused(exc) from None
    typer.echo(f"joined {hub_url}: trust list version {version}")


# `sync` and `status`: the transport's commands (federation/transport/cli.py).
transport_cli.add_to(app)
# `sharing show|set|release`: a state's sharing settings (federation/sharing_cli.py).
app.add_typer(sharing_app, name="sharing")
