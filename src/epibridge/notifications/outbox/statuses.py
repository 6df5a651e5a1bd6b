"""The closed vocabularies of subscriptions and their deliveries.

The outbox tables were created without CHECK constraints on these columns; migration 0022
added them, and the models write theirs from these enums (``db.check_in``).
"""

from __future__ import annotations

from enum import StrEnum


class SubscriptionKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    """pending → delivered, or retrying (with backoff) until delivered or dead after 24 hours."""

    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    DEAD = "dead"


#: Deliveries the worker still has to send.
DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
#: Deliveries that are over, one way or the other.
FINISHED = (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD)
