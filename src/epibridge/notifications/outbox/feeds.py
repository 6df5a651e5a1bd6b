"""Atom feeds of notification messages, one per audience (members, partners, public)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import FieldError, Forbidden, Unauthenticated
from epibridge.i18n import N_
from epibridge.notifications.outbox.content import describe
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Principal, Visibility, can_see

FEED_TOPIC_PREFIX = "notification."
EXERCISE_PREFIX = "[EXERCISE]"

#: The visibilities each audience's feed carries (a wider audience sees less).
_AUDIENCE_SHOWS: dict[Visibility, tuple[str, ...]] = {
    Visibility.MEMBERS: ("members", "partners", "public"),
    Visibility.PARTNERS: ("partners", "public"),
    Visibility.PUBLIC: ("public",),
}


def _check_access(principal: Principal | None, audience: Visibility) -> None:
    if audience is Visibility.PUBLIC:
        return
    if principal is None:
        raise Unauthenticated(
            N_("the {audience} feed needs an API token: send 'Authorization: Bearer TOKEN'"),
            [FieldError("Authorization", "missing")],
            params={"audience": audience.value},
        )
    if not can_see(principal, audience):
        raise Forbidden(
            N_("a {role} may not read the {audience} feed"),
            [FieldError("audience", "not visible to this role", audience.value)],
            params={"role": principal.role.value, "audience": audience.value},
        )


def audiences(principal: Principal | None) -> list[Visibility]:
    """The feeds ``principal`` may read, narrowest audience first (the rule ``build_feed``
    applies), for a page that lists them."""
    readable = []
    for audience in (Visibility.MEMBERS, Visibility.PARTNERS, Visibility.PUBLIC):
        try:
            _check_access(principal, audience)
        except (Unauthenticated, Forbidden):
            continue
        readable.append(audience)
    return readable


def list_feed_messages(
    session: Session, *, principal: Principal | None, audience: Visibility, limit: int = 50
) -> list[OutboxMessage]:
    """Return the newest notification messages the audience may see, newest first."""
    _check_access(principal, audience)
    return list(
        session.execute(
            select(OutboxMessage)
            .where(
                OutboxMessage.topic.startswith(FEED_TOPIC_PREFIX),
                OutboxMessage.visibility.in_(_AUDIENCE_SHOWS[audience]),
            )
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        ).scalars()
    )


def _entry_title(message: OutboxMessage) -> str:
    payload = describe(message.payload)
    title = str(payload.get("title") or message.topic)
    state = payload.get("state")
    label = message.topic.removeprefix(FEED_TOPIC_PREFIX)
    text = f"{label}: {state + ' — ' if isinstance(state, str) else ''}{title}"
    return f"{EXERCISE_PREFIX} {text}" if message.exercise else text


def build_feed(
    session: Session,
    *,
    principal: Principal | None,
    audience: Visibility,
    base_url: str,
    limit: int = 50,
) -> bytes:
    """Render the Atom feed of an audience (authorization checked first)."""
    from feedgen.feed import FeedGenerator

    messages = list_feed_messages(session, principal=principal, audience=audience, limit=limit)
    feed = FeedGenerator()
    feed.id(f"{base_url}/api/v1/feeds/{audience.value}.atom")
    feed.title(f"epibridge notifications ({audience.value})")
    feed.author({"name": "epibridge"})
    feed.link(href=f"{base_url}/api/v1/feeds/{audience.value}.atom", rel="self")
    feed.updated(messages[0].created_at if messages else utcnow())
    feed.language("en")
    for message in messages:
        payload = describe(message.payload, base_url=base_url)
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{message.id}")
        entry.title(_entry_title(message))
        entry.updated(message.created_at)
        entry.published(message.created_at)
        link = payload.get("link") or f"{base_url}/api/v1/notifications/{message.entity_id}"
        entry.link(href=str(link))
        entry.category(term=message.topic)
        if message.exercise:
            entry.category(term="exercise", label="Exercise / test — not a real event")
        summary = ", ".join(
            f"{key}: {payload[key]}"
            for key in (
                "state",
                "disease",
                "status",
                "suspected_cases",
                "confirmed_cases",
                "deaths",
            )
            if payload.get(key) is not None
        )
        entry.summary(summary or message.topic)
    return feed.atom_str(pretty=True)
