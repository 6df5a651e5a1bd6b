"""Which topics travel between nodes, and how each is built from a local write and applied.

Every topic module under ``federation.topics`` exposes ``BUILDERS`` (outbox topic -> function
turning a committed local outbox message into the messages to send) and ``APPLIERS`` (federation
topic -> function storing a verified envelope as a read-only replica). This module gathers them,
so the transport and the inbox never name a domain.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from sqlalchemy.orm import Session

from epibridge.federation.messages import Envelope, Outgoing, Refused
from epibridge.i18n import N_, Text
from epibridge.notifications.outbox.models import OutboxMessage

Builder = Callable[[Session, OutboxMessage], list[Outgoing]]
Applier = Callable[[Session, Envelope], None]

#: The topic modules, one line each (``epibridge.federation.topics.<name>``).
TOPIC_MODULES: tuple[str, ...] = (
    "trust",
    "epidata",
    "assistance",
    "notifications",
    "consultations",
)


@cache
def _tables() -> tuple[dict[str, list[Builder]], dict[str, Applier]]:
    builders: dict[str, list[Builder]] = {}
    appliers: dict[str, Applier] = {}
    for name in TOPIC_MODULES:
        module = importlib.import_module(f"epibridge.federation.topics.{name}")
        for topic, builder in getattr(module, "BUILDERS", {}).items():
            builders.setdefault(topic, []).append(builder)
        appliers.update(getattr(module, "APPLIERS", {}))
    return builders, appliers


def build(session: Session, message: OutboxMessage) -> list[Outgoing]:
    """What to send for one local outbox message (nothing for topics that do not travel)."""
    builders, _ = _tables()
    return [out for builder in builders.get(message.topic, []) for out in builder(session, message)]


def known_topics() -> frozenset[str]:
    return frozenset(_tables()[1])


def apply(session: Session, envelope: Envelope) -> None:
    """Store a verified message as a replica; an unknown topic is refused (nothing stored)."""
    applier = _tables()[1].get(envelope.topic)
    if applier is None:
        raise Refused(
            422,
            Text(N_("unknown message topic {topic}"), {"topic": envelope.topic}),
            field_name="topic",
        )
    applier(session, envelope)
