"""Routes of subscriptions, deliveries (dead letters, replay) and the Atom feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from epibridge.api.deps import (
    CurrentPrincipal,
    OptionalPrincipal,
    ReadSession,
    SettingsDep,
    WriteSession,
)
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.inputs import BigId
from epibridge.notifications.outbox import dead_letters, feeds, service
from epibridge.notifications.outbox.addresses import parse_networks
from epibridge.notifications.outbox.schemas import (
    DeliveryRead,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
    SubscriptionUpdate,
)
from epibridge.notifications.outbox.statuses import DeliveryStatus
from epibridge.security import Visibility

router = APIRouter(prefix="/api/v1")


@router.post(
    "/subscriptions",
    response_model=SubscriptionCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["delivery"],
)
def create_subscription(
    session: WriteSession,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    data: SubscriptionCreate,
) -> SubscriptionCreated:
    """Subscribe to messages by webhook or e-mail; a webhook's secret is shown only here."""
    subscription, secret = service.create_subscription(
        session,
        actor=principal,
        data=data,
        allow_networks=parse_networks(settings.webhook_allow_networks),
    )
    return SubscriptionCreated(**service.to_read(subscription).model_dump(), secret=secret)


@router.get("/subscriptions", response_model=Page[SubscriptionRead], tags=["delivery"])
def list_subscriptions(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    owner: Annotated[str | None, Query(description="Only this account's (admins).")] = None,
    cursor: Cursor = None,
) -> Page[SubscriptionRead]:
    """List your subscriptions (administrators: anyone's)."""
    return service.list_subscriptions(
        session, actor=principal, owner=owner, cursor=cursor, limit=limit
    ).map(service.to_read)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead, tags=["delivery"])
def get_subscription(
    session: ReadSession, principal: CurrentPrincipal, subscription_id: BigId
) -> SubscriptionRead:
    """Show one of your subscriptions."""
    return service.to_read(
        service.get_subscription(session, actor=principal, subscription_id=subscription_id)
    )


@router.patch(
    "/subscriptions/{subscription_id}", response_model=SubscriptionRead, tags=["delivery"]
)
def update_subscription(
    session: WriteSession,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    subscription_id: BigId,
    data: SubscriptionUpdate,
) -> SubscriptionRead:
    """Change a subscription's address, language or filters, or pause it."""
    return service.to_read(
        service.update_subscription(
            session,
            actor=principal,
            subscription_id=subscription_id,
            data=data,
            allow_networks=parse_networks(settings.webhook_allow_networks),
        )
    )


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["delivery"],
)
def delete_subscription(
    session: WriteSession, principal: CurrentPrincipal, subscription_id: BigId
) -> Response:
    """Delete a subscription; nothing more is delivered to it."""
    service.delete_subscription(session, actor=principal, subscription_id=subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/deliveries", response_model=Page[DeliveryRead], tags=["delivery"])
def list_deliveries(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    status_: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only this status.")
    ] = None,
    subscription_id: Annotated[BigId | None, Query(description="Only this subscription.")] = None,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """List deliveries of your subscriptions, newest first (status=dead: the dead letters)."""
    page = dead_letters.list_deliveries(
        session,
        actor=principal,
        status=status_,
        subscription_id=subscription_id,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=dead_letters.to_reads(session, page.items), next_cursor=page.next_cursor)


@router.get("/deliveries/dead", response_model=Page[DeliveryRead], tags=["delivery"])
def list_dead_letters(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    subscription_id: Annotated[BigId | None, Query(description="Only this subscription.")] = None,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """List the dead letters of your subscriptions: deliveries that gave up, newest first."""
    return list_deliveries(
        session,
        principal,
        limit,
        status_=DeliveryStatus.DEAD,
        subscription_id=subscription_id,
        cursor=cursor,
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=ReplayResult, tags=["delivery"])
def replay_delivery(
    session: WriteSession, principal: CurrentPrincipal, delivery_id: BigId
) -> ReplayResult:
    """Put one dead delivery back in the queue (a new 24-hour retry window)."""
    return ReplayResult(
        replayed=dead_letters.replay(session, actor=principal, delivery_id=delivery_id)
    )


@router.post(
    "/subscriptions/{subscription_id}/replay", response_model=ReplayResult, tags=["delivery"]
)
def replay_subscription(
    session: WriteSession, principal: CurrentPrincipal, subscription_id: BigId
) -> ReplayResult:
    """Put every dead delivery of a subscription back in the queue."""
    return ReplayResult(
        replayed=dead_letters.replay(session, actor=principal, subscription_id=subscription_id)
    )


ATOM = "application/atom+xml"


@router.get(
    "/feeds/{audience}.atom",
    response_class=Response,
    responses={200: {"content": {ATOM: {}}}},
    tags=["delivery"],
)
def get_feed(
    request: Request,
    session: ReadSession,
    principal: OptionalPrincipal,
    audience: Visibility,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries in the feed.")] = 50,
) -> Response:
    """Serve the Atom feed of notifications for an audience (members/partners need a token)."""
    body = feeds.build_feed(
        session,
        principal=principal,
        audience=audience,
        base_url=str(request.base_url).rstrip("/"),
        limit=limit,
    )
    return Response(content=body, media_type=ATOM)
