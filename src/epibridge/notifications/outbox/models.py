"""Tables of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.notifications.outbox.statuses import DeliveryStatus, SubscriptionKind


class OutboxMessage(Base):
    """One message to every subscriber entitled to it; ``id`` is what receivers deduplicate by."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "fanned_out_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    topic: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # States particularly concerned (the notifying state's neighbours, a consultation's
    # participants, ...); empty means everyone the visibility allows.
    states: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    entity: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(128), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    payload: Mapped[Any] = mapped_column(JSON, nullable=False)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Subscription(Base):
    """Where one account wants messages delivered (a webhook URL or an e-mail address).

    The owner is stored by id and name, not as a foreign key: accounts belong to the members
    domain and are resolved through its service when fanning out.
    """

    __tablename__ = "outbox_subscriptions"
    __table_args__ = (check_in("kind", SubscriptionKind),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    owner_user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    owner_name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[SubscriptionKind] = mapped_column(
        StrEnumType(SubscriptionKind, 16), nullable=False
    )
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    # The HMAC key must be usable to sign, so it is kept as is (it is shown to the owner once).
    secret: Mapped[str | None] = mapped_column(String(100))
    topics: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    states: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    include_exercises: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def audit_state(self) -> dict[str, Any]:
        return {
            "owner": self.owner_name,
            "kind": self.kind,
            "url": self.url,
            "email": self.email,
            "language": self.language,
            "topics": self.topics,
            "states": self.states,
            "include_exercises": self.include_exercises,
            "active": self.active,
            "deleted_at": self.deleted_at,
        }


class Delivery(Base):
    """One message to one subscription; created by the fan-out, updated by each attempt."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "subscription_id", name="uq_outbox_deliveries_pair"),
        Index("ix_outbox_deliveries_due", "status", "next_attempt_at"),
        check_in("status", DeliveryStatus),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    message_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("outbox_messages.id"), nullable=False
    )
    subscription_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("outbox_subscriptions.id"),
        nullable=False,
        index=True,
    )
    status: Mapped[DeliveryStatus] = mapped_column(StrEnumType(DeliveryStatus, 16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Start of the 24-hour retry window: creation, or the last replay.
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
