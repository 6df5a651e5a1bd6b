"""Publishing into the outbox, and the rules of subscriptions.

``publish`` is called by any domain inside its own transaction. Subscriptions say where an
account wants its messages; only the owner (or an administrator) manages one. A webhook's
owner must be allowed to receive webhooks (``Action.RECEIVE_WEBHOOKS``: not observers) and its
URL must point at a public address or a network opened by ``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS``
(``addresses``); the worker checks the address again when it connects.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.members import accounts
from epibridge.members import service as org
from epibridge.members.models import User
from epibridge.notifications.outbox.addresses import IPNetwork, RefusedAddress, check_host
from epibridge.notifications.outbox.models import Delivery, OutboxMessage, Subscription
from epibridge.notifications.outbox.schemas import (
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
)
from epibridge.notifications.outbox.statuses import SubscriptionKind
from epibridge.paging import Page
from epibridge.security import Action, Principal, Visibility, authorize, require_principal

# Deliberately simple: one @, no spaces, a dotted domain. Deliverability is the SMTP server's
# verdict; this only catches typing mistakes before anything is stored.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_TOPIC = re.compile(r"^[a-z0-9_.]{1,64}$")
MAX_URL = 2000


#: Set in a session's ``info`` by ``publish``: a process that forwards committed messages
#: (the federation loop) may listen for commits carrying it instead of waiting for its round.
PUBLISHED = "epibridge.outbox.published"


def publish(
    session: Session,
    *,
    actor: str,
    topic: str,
    entity: str,
    entity_id: str | int,
    payload: dict[str, Any],
    visibility: Visibility = Visibility.MEMBERS,
    states: list[str] | None = None,
    exercise: bool = False,
) -> OutboxMessage:
    """Queue a message for delivery; it is committed (and later sent) only with the caller's change.

    ``topic`` names what happened (``notification.notified``, ``border.status_changed``, ...);
    ``payload`` must be JSON-serializable and is sent as it is.
    """
    message = OutboxMessage(
        id=str(uuid.uuid4()),
        created_at=utcnow(),
        topic=topic,
        visibility=Visibility(visibility).value,
        exercise=exercise,
        states=sorted(set(states or [])),
        entity=entity,
        entity_id=str(entity_id),
        actor=actor,
        payload=audit.json_ready(payload),
    )
    session.add(message)
    session.flush()
    session.info[PUBLISHED] = True
    return message


def read_messages(
    session: Session, *, topic: str, after: datetime | None = None, limit: int = 1000
) -> list[OutboxMessage]:
    """Return the messages of one topic created after a moment, oldest first.

    For in-process consumers (detection reads ``epidata.submission_accepted``). A message's
    ``created_at`` is set before its transaction commits, so a consumer should read again a
    little before where it stopped and deduplicate by ``id``.
    """
    query = select(OutboxMessage).where(OutboxMessage.topic == topic)
    if after is not None:
        query = query.where(OutboxMessage.created_at > after)
    query = query.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)
    return list(session.execute(query).scalars())


def read_window(
    session: Session,
    *,
    since: datetime | None,
    handled: Select[tuple[str]] | None = None,
    limit: int = 500,
) -> list[OutboxMessage]:
    """Return the messages of every topic created at or after ``since``, oldest first.

    For consumers that keep their own record of the ids they have handled (federation's
    exporter): ``handled`` selects those ids and they are skipped in the same query, so a
    consumer can read again a window before its position (a message's ``created_at`` is set
    before its transaction commits) without meeting the same rows over and over.
    """
    query = select(OutboxMessage)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    if handled is not None:
        query = query.where(OutboxMessage.id.not_in(handled))
    query = query.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)
    return list(session.execute(query).scalars())


def _check_url(url: str | None, networks: Sequence[IPNetwork] = ()) -> list[FieldError]:
    if not url:
        return [FieldError("url", "required for a webhook")]
    if len(url) > MAX_URL:
        return [FieldError("url", N_("longer than {limit} characters"), params={"limit": MAX_URL})]
    try:
        parts = urlsplit(url)
    except ValueError:
        return [FieldError("url", "not a URL", url)]
    if parts.scheme not in ("http", "https"):
        return [FieldError("url", "must be an http or https URL", url)]
    if not parts.hostname:
        return [FieldError("url", "has no host", url)]
    if parts.username or parts.password:
        return [FieldError("url", "must not carry a user name or password", url)]
    try:
        parts.port  # noqa: B018 - raises on a port out of range or not a number
    except ValueError:
        return [FieldError("url", "has an invalid port", url)]
    try:
        check_host(parts.hostname, networks)
    except RefusedAddress as exc:
        return [
            FieldError(
                "url",
                N_(
                    "{error}: webhooks reach public addresses only (or the networks listed in "
                    "EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS)"
                ),
                url,
                params={"error": exc},
            )
        ]
    return []


def _may_receive_webhooks(owner: User) -> None:
    """The owner (not only the caller) must hold the right: an admin cannot give an observer
    a webhook either."""
    authorize(accounts.principal_of(owner), Action.RECEIVE_WEBHOOKS)


def _check_email(email: str | None) -> list[FieldError]:
    if not email:
        return [FieldError("email", "required for an e-mail subscription")]
    if len(email) > 320 or not _EMAIL.match(email):
        return [FieldError("email", "not an e-mail address", email)]
    return []


def _check_filters(
    session: Session, topics: list[str] | None, states: list[str] | None
) -> tuple[list[str] | None, list[str] | None, list[FieldError]]:
    errors: list[FieldError] = []
    clean_topics = None
    if topics is not None:
        clean_topics = sorted({t.strip() for t in topics})
        errors += [
            FieldError(f"topics[{i}]", "lowercase letters, digits, '_' and '.' only", t)
            for i, t in enumerate(clean_topics)
            if not _TOPIC.match(t)
        ]
    clean_states = None
    if states is not None:
        clean_states = []
        for i, code in enumerate(states):
            try:
                clean_states.append(org.require_state(session, code, field=f"states[{i}]"))
            except InvalidInput as exc:
                errors += exc.errors
        clean_states = sorted(set(clean_states))
    return clean_topics, clean_states, errors


def _may_manage(actor: Principal, subscription: Subscription) -> None:
    # The operator (no account: user_id 0) is never an owner, so it passes as an administrator.
    if require_principal(actor).kind != "user" or actor.user_id != subscription.owner_user_id:
        authorize(actor, Action.ADMINISTER)


def create_subscription(
    session: Session,
    *,
    actor: Principal,
    data: SubscriptionCreate,
    allow_networks: Sequence[IPNetwork] = (),
) -> tuple[Subscription, str | None]:
    """Create a subscription; a webhook's signing secret is returned once and never again.

    ``allow_networks`` are the networks opened by ``EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS``.
    """
    if require_principal(actor).kind != "user":
        # The operator and components have no account to receive messages: name one.
        authorize(actor, Action.ADMINISTER)
        if not data.owner:
            raise InvalidInput(
                "name the account that receives", [FieldError("owner", "required here")]
            )
        owner_name = data.owner
    else:
        owner_name = data.owner or actor.name
        if owner_name != actor.name:
            authorize(actor, Action.ADMINISTER)
    try:
        owner = accounts.get_user(session, name=owner_name)
    except NotFound:
        raise InvalidInput(
            N_("no account named '{owner_name}'"),
            [FieldError("owner", "unknown account", owner_name)],
            params={"owner_name": owner_name},
        ) from None
    if data.kind == SubscriptionKind.WEBHOOK:
        _may_receive_webhooks(owner)
    errors = (
        _check_url(data.url, allow_networks)
        if data.kind == SubscriptionKind.WEBHOOK
        else _check_email(data.email)
    )
    if data.kind == SubscriptionKind.WEBHOOK and data.email:
        errors.append(FieldError("email", "a webhook subscription has no e-mail address"))
    if data.kind == SubscriptionKind.EMAIL and data.url:
        errors.append(FieldError("url", "an e-mail subscription has no URL"))
    topics, states, filter_errors = _check_filters(session, data.topics, data.states)
    errors += filter_errors
    if errors:
        raise InvalidInput("the subscription is not valid", errors)
    secret = "whsec_" + secrets.token_urlsafe(32) if data.kind == SubscriptionKind.WEBHOOK else None
    now = utcnow()
    subscription = Subscription(
        owner_user_id=owner.id,
        owner_name=owner.name,
        kind=data.kind,
        url=data.url if data.kind == SubscriptionKind.WEBHOOK else None,
        email=data.email if data.kind == SubscriptionKind.EMAIL else None,
        language=data.language,
        secret=secret,
        topics=topics or [],
        states=states or [],
        include_exercises=data.include_exercises,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="create",
        entity="subscription",
        entity_id=subscription.id,
        state=subscription.audit_state(),
    )
    return subscription, secret


def get_subscription(session: Session, *, actor: Principal, subscription_id: int) -> Subscription:
    """Return one subscription of the caller (any, for an administrator)."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or subscription.deleted_at is not None:
        raise NotFound(
            N_("no subscription {subscription_id}"),
            [FieldError("subscription_id", "unknown subscription", subscription_id)],
            params={"subscription_id": subscription_id},
        )
    _may_manage(actor, subscription)
    return subscription


def list_subscriptions(
    session: Session,
    *,
    actor: Principal,
    owner: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Subscription]:
    """List the caller's subscriptions (an administrator: everyone's, or one owner's)."""
    query = select(Subscription).where(Subscription.deleted_at.is_(None))
    if require_principal(actor).kind != "user":
        # The operator has no subscriptions of its own: it lists everyone's.
        authorize(actor, Action.ADMINISTER)
    elif owner is None or owner != actor.name:
        if owner is None:
            query = query.where(Subscription.owner_user_id == actor.user_id)
        else:
            authorize(actor, Action.ADMINISTER)
    if owner is not None:
        query = query.where(Subscription.owner_name == owner)
    return paging.page(session, query, paging.Order(Subscription.id), cursor=cursor, limit=limit)


def update_subscription(
    session: Session,
    *,
    actor: Principal,
    subscription_id: int,
    data: SubscriptionUpdate,
    allow_networks: Sequence[IPNetwork] = (),
) -> Subscription:
    """Change a subscription's address, language, filters or pause it."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    if subscription.kind == SubscriptionKind.WEBHOOK and (data.url is not None or data.active):
        _may_receive_webhooks(accounts.get_user(session, name=subscription.owner_name))
    errors: list[FieldError] = []
    if data.url is not None:
        errors += (
            _check_url(data.url, allow_networks)
            if subscription.kind == SubscriptionKind.WEBHOOK
            else [FieldError("url", "an e-mail subscription has no URL")]
        )
    if data.email is not None:
        errors += (
            _check_email(data.email)
            if subscription.kind == SubscriptionKind.EMAIL
            else [FieldError("email", "a webhook subscription has no e-mail address")]
        )
    topics, states, filter_errors = _check_filters(session, data.topics, data.states)
    errors += filter_errors
    if errors:
        raise InvalidInput("the change is not valid", errors)
    if data.active and not subscription.active:
        # Deliveries held while paused get a fresh 24-hour window, so they are not dead-lettered
        # on their first failure after the pause.
        now = utcnow()
        session.execute(
            update(Delivery)
            .where(
                Delivery.subscription_id == subscription.id,
                Delivery.status.in_(("pending", "retrying")),
            )
            .values(window_start=now, next_attempt_at=now)
        )
    for name, value in (
        ("url", data.url),
        ("email", data.email),
        ("language", data.language),
        ("topics", topics),
        ("states", states),
        ("include_exercises", data.include_exercises),
        ("active", data.active),
    ):
        if value is not None:
            setattr(subscription, name, value)
    subscription.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="update",
        entity="subscription",
        entity_id=subscription.id,
        state=subscription.audit_state(),
    )
    return subscription


def delete_subscription(session: Session, *, actor: Principal, subscription_id: int) -> None:
    """Stop a subscription for good; its delivery history is kept."""
    subscription = get_subscription(session, actor=actor, subscription_id=subscription_id)
    now = utcnow()
    subscription.active = False
    subscription.deleted_at = now
    subscription.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="delete",
        entity="subscription",
        entity_id=subscription.id,
        state=subscription.audit_state(),
    )


def to_read(subscription: Subscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=subscription.id,
        owner=subscription.owner_name,
        kind=subscription.kind,
        url=subscription.url,
        email=subscription.email,
        language=subscription.language,  # type: ignore[arg-type]
        topics=subscription.topics,
        states=subscription.states,
        include_exercises=subscription.include_exercises,
        active=subscription.active,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )
