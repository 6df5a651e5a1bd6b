"""Pydantic models of subscriptions and deliveries, in and out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from epibridge.i18n import Language
from epibridge.inputs import InputModel
from epibridge.notifications.outbox.statuses import DeliveryStatus, SubscriptionKind


class SubscriptionCreate(InputModel):
    """A new subscription: a webhook URL or an e-mail address, with optional filters."""

    model_config = ConfigDict(extra="forbid")

    kind: SubscriptionKind
    url: str | None = Field(default=None, description="Webhook URL (http or https).")
    email: str | None = Field(default=None, description="E-mail address.")
    language: Language = Field(default="en", description="Language of e-mails: en, ru or zh.")
    topics: list[str] = Field(
        default_factory=list,
        description="Topic prefixes to receive (e.g. 'notification.'); empty means all.",
    )
    states: list[str] = Field(
        default_factory=list,
        description="Only messages concerning these states (ISO3); empty means all.",
    )
    include_exercises: bool = Field(
        default=True, description="Also receive exercise/test messages (always marked as such)."
    )
    owner: str | None = Field(
        default=None, description="Account that receives (administrators only; default: you)."
    )


class SubscriptionUpdate(InputModel):
    """Fields of a subscription to change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    email: str | None = None
    language: Language | None = None
    topics: list[str] | None = None
    states: list[str] | None = None
    include_exercises: bool | None = None
    active: bool | None = None


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner: str
    kind: SubscriptionKind
    url: str | None
    email: str | None
    language: Language
    topics: list[str]
    states: list[str]
    include_exercises: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionRead):
    """The new subscription with its signing secret, shown only in this response."""

    secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of a webhook; shown only once."
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    subscription_id: int
    topic: str
    exercise: bool
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None = Field(
        description="Class of the last failure (http_5xx, timeout, connection_refused, tls, "
        "refused_address, ...; docs/delivery.md), never what the receiver answered."
    )
    last_status_code: int | None = Field(
        description="HTTP (or SMTP) status code of the last answer, if one came."
    )
    delivered_at: datetime | None
    dead_at: datetime | None


class ReplayResult(BaseModel):
    replayed: int = Field(description="How many dead deliveries were put back in the queue.")
