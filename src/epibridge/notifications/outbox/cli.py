"""Commands for subscriptions, dead letters (`epibridge subscriptions`) and `epibridge worker`."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from epibridge import paging
from epibridge.cli_support import (
    choice_enum,
    echo_json,
    is_terminal,
    print_table,
    reading_as,
    report_errors,
    sessions_for,
    settings_of,
    writing_as,
)
from epibridge.i18n import LANGUAGES
from epibridge.notifications.outbox import dead_letters, service
from epibridge.notifications.outbox.addresses import parse_networks
from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
from epibridge.notifications.outbox.statuses import DeliveryStatus, SubscriptionKind
from epibridge.notifications.outbox.worker import Worker, WorkerOptions

subscriptions_app = typer.Typer(
    help="Webhook and e-mail subscriptions, their deliveries and dead letters."
)


LanguageChoice = choice_enum("LanguageChoice", LANGUAGES)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@subscriptions_app.command("create")
@report_errors
def create(
    ctx: typer.Context,
    owner: Annotated[str, typer.Argument(help="Account that receives the messages.")],
    webhook: Annotated[str | None, typer.Option(help="Webhook URL (http/https).")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    language: Annotated[
        LanguageChoice, typer.Option(help="Language of e-mails.")
    ] = LanguageChoice.en,
    topic: Annotated[
        list[str] | None, typer.Option(help="Topic prefix to receive (repeatable).")
    ] = None,
    state: Annotated[
        list[str] | None, typer.Option(help="Only messages concerning this state (repeatable).")
    ] = None,
    exercises: Annotated[
        bool, typer.Option("--exercises/--no-exercises", help="Also receive exercise messages.")
    ] = True,
) -> None:
    """Create a subscription; a webhook's signing secret is the last line (shown only now)."""
    if (webhook is None) == (email is None):
        raise typer.BadParameter("give exactly one of --webhook or --email")
    data = SubscriptionCreate(
        kind=SubscriptionKind.WEBHOOK if webhook else SubscriptionKind.EMAIL,
        url=webhook,
        email=email,
        language=language.value,
        topics=topic or [],
        states=state or [],
        include_exercises=exercises,
        owner=owner,
    )
    allow = parse_networks(settings_of(ctx).webhook_allow_networks)
    with writing_as(ctx) as (session, actor):
        subscription, secret = service.create_subscription(
            session, actor=actor, data=data, allow_networks=allow
        )
        read = service.to_read(subscription)
    typer.echo(f"subscription {read.id} created for {read.owner} ({read.kind})")
    if secret:
        typer.echo("signing secret (shown only now):")
        typer.echo(secret)


@subscriptions_app.command("list")
@report_errors
def list_(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Only this account's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List subscriptions."""
    with reading_as(ctx) as (session, actor):
        subscriptions = paging.every(
            lambda cursor: service.list_subscriptions(
                session, actor=actor, owner=owner, cursor=cursor, limit=500
            )
        )
        items = [service.to_read(s) for s in subscriptions]
    if as_json:
        echo_json(items)
        return
    print_table(
        f"{len(items)} subscriptions",
        ("#", "Owner", "Kind", "Address", "Lang", "Topics", "States", "Ex.", "Active"),
        (
            (
                str(i.id),
                i.owner,
                i.kind,
                i.url or i.email or "",
                i.language,
                ",".join(i.topics) or "all",
                ",".join(i.states) or "all",
                "yes" if i.include_exercises else "no",
                "yes" if i.active else "no",
            )
            for i in items
        ),
        overflow="fold",
    )


@subscriptions_app.command("update")
@report_errors
def update(
    ctx: typer.Context,
    subscription_id: int,
    webhook: Annotated[str | None, typer.Option(help="New webhook URL.")] = None,
    email: Annotated[str | None, typer.Option(help="New e-mail address.")] = None,
    language: Annotated[LanguageChoice | None, typer.Option(help="Language of e-mails.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--paused", help="Resume or pause deliveries.")
    ] = None,
) -> None:
    """Change a subscription's address or language, or pause/resume it."""
    data = SubscriptionUpdate(
        url=webhook, email=email, language=language.value if language else None, active=active
    )
    allow = parse_networks(settings_of(ctx).webhook_allow_networks)
    with writing_as(ctx) as (session, actor):
        read = service.to_read(
            service.update_subscription(
                session,
                actor=actor,
                subscription_id=subscription_id,
                data=data,
                allow_networks=allow,
            )
        )
    typer.echo(f"subscription {read.id} updated ({'active' if read.active else 'paused'})")


@subscriptions_app.command("delete")
@report_errors
def delete(ctx: typer.Context, subscription_id: int) -> None:
    """Delete a subscription; nothing more is delivered to it."""
    with writing_as(ctx) as (session, actor):
        service.delete_subscription(session, actor=actor, subscription_id=subscription_id)
    typer.echo(f"subscription {subscription_id} deleted")


def _print_deliveries(ctx: typer.Context, status: str | None, sub: int | None, js: bool) -> None:
    with reading_as(ctx) as (session, actor):
        listed = paging.pages(
            lambda cursor: dead_letters.list_deliveries(
                session,
                actor=actor,
                status=status,
                subscription_id=sub,
                cursor=cursor,
                limit=500,
            )
        )
        items = [i for page in listed for i in dead_letters.to_reads(session, page.items)]
    if js:
        echo_json(items)
        return
    print_table(
        f"{len(items)} deliveries" + (f" ({status})" if status else ""),
        ("#", "Sub.", "Message", "Topic", "Status", "Tries", "Last error"),
        (
            (
                str(i.id),
                str(i.subscription_id),
                i.message_id,
                ("[EXERCISE] " if i.exercise else "") + i.topic,
                i.status,
                str(i.attempts),
                i.last_error or "",
            )
            for i in items
        ),
        overflow="fold",
    )


@subscriptions_app.command("deliveries")
@report_errors
def list_deliveries(
    ctx: typer.Context,
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only this status.")] = None,
    subscription: Annotated[int | None, typer.Option(help="Only this subscription.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List deliveries, newest first."""
    _print_deliveries(ctx, status, subscription, as_json)


@subscriptions_app.command("dead")
@report_errors
def dead(
    ctx: typer.Context,
    subscription: Annotated[int | None, typer.Option(help="Only this subscription.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the dead letters: deliveries that failed for 24 hours or were refused."""
    _print_deliveries(ctx, DeliveryStatus.DEAD, subscription, as_json)


@subscriptions_app.command("replay")
@report_errors
def replay(
    ctx: typer.Context,
    delivery: Annotated[int | None, typer.Option(help="Replay this dead delivery.")] = None,
    subscription: Annotated[
        int | None, typer.Option(help="Replay every dead delivery of this subscription.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead delivery.")] = False,
) -> None:
    """Put dead deliveries back in the queue, with a new 24-hour retry window."""
    if delivery is None and subscription is None and not all_:
        raise typer.BadParameter("give --delivery, --subscription or --all")
    with writing_as(ctx) as (session, actor):
        count = dead_letters.replay(
            session, actor=actor, delivery_id=delivery, subscription_id=subscription
        )
    typer.echo(f"{count} dead deliveries re-queued")


@report_errors
def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(help="Deliver what is due, then exit.")] = False,
    batch: Annotated[int, typer.Option(min=1, help="Messages fanned out per transaction.")] = 100,
    concurrency: Annotated[int, typer.Option(min=1, help="Deliveries sent at once.")] = 8,
    lease: Annotated[
        float, typer.Option(min=1, help="Seconds a claim lasts before another worker may retry.")
    ] = 60.0,
    connect_timeout: Annotated[float, typer.Option(help="Seconds to connect.")] = 5.0,
    read_timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 10.0,
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 0.2,
) -> None:
    """Fan out outbox messages and send deliveries (webhooks, e-mail) until stopped."""
    settings = settings_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if lease <= connect_timeout + read_timeout:
        raise typer.BadParameter("--lease must be longer than the connect + read timeouts")
    runner = Worker(
        sessions_for(settings),
        settings,
        WorkerOptions(
            batch=batch,
            concurrency=concurrency,
            lease=timedelta(seconds=lease),
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            poll=poll,
        ),
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.stop())
    logging.getLogger("epibridge.worker").info(
        "worker %s started (%s)", runner.worker_id, "once" if once else "loop"
    )
    if is_terminal():
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), transient=True
        ) as progress:
            task = progress.add_task("delivering")
            done = threading.Event()

            def show() -> None:
                while not done.wait(0.5):
                    s = runner.stats
                    progress.update(
                        task,
                        description=f"fanned out {s.fanned_out}, delivered {s.delivered}, "
                        f"retrying {s.retrying}, dead {s.dead}",
                    )

            monitor = threading.Thread(target=show, daemon=True)
            monitor.start()
            try:
                stats = runner.run(once=once)
            finally:
                done.set()
    else:
        stats = runner.run(once=once)
    typer.echo(
        f"worker done: {stats.fanned_out} messages fanned out into {stats.created} deliveries; "
        f"{stats.delivered} delivered, {stats.retrying} to retry, {stats.dead} dead"
    )
