"""Tables of event notifications: the event, its versions, and what other states did with it.

The event row holds the latest values (what lists and filters read); every notification, update
and closure also leaves a version row with the counts and values as of that moment and the CAP
identifier and sent time it was exported under, so references between CAP messages stay stable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.notifications.statuses import (
    VERSION_KINDS,
    EventMode,
    EventStatus,
    WhoDetermination,
)
from epibridge.security import Visibility


class ReplicaColumns:
    """Where a record came from when another node is authoritative for it.

    ``origin_node`` NULL is a record of this node; otherwise the row is a read-only replica of
    the record ``origin_id`` on that node (``service.replicas`` writes it, nothing else may).
    """

    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[int | None] = mapped_column(Integer)


class NotificationEvent(ReplicaColumns, Base):
    """A public-health event notified by one state (its latest state)."""

    __tablename__ = "notification_events"
    __table_args__ = (
        check_in("status", EventStatus),
        check_in("visibility", Visibility),
        check_in("mode", EventMode),
        Index("ix_notification_events_state_id", "state", "id"),
        UniqueConstraint("origin_node", "origin_id", name="uq_notification_events_origin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[EventStatus] = mapped_column(
        StrEnumType(EventStatus, 16), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mode: Mapped[EventMode] = mapped_column(
        StrEnumType(EventMode, 16), nullable=False, default=EventMode.ACTUAL
    )
    visibility: Mapped[Visibility] = mapped_column(StrEnumType(Visibility, 16), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    disease: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    area_code: Mapped[str | None] = mapped_column(String(16))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    onset_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    detection_date: Mapped[date | None] = mapped_column(Date)
    # NULL: not reported (a count nobody gave is not a zero; CAP leaves its parameter out).
    suspected_cases: Mapped[int | None] = mapped_column(Integer)
    probable_cases: Mapped[int | None] = mapped_column(Integer)
    confirmed_cases: Mapped[int | None] = mapped_column(Integer)
    deaths: Mapped[int | None] = mapped_column(Integer)
    affected_states: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    measures: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    # Other languages of title/description/measures: {"ru": {"title": ..., ...}}.
    translations: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    annex2: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    annex2_outcome: Mapped[str | None] = mapped_column(String(32))
    notification_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    risk_level: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(Text)


class NotificationVersion(Base):
    """One notification, update or closure of an event, with its CAP message identity."""

    __tablename__ = "notification_versions"
    __table_args__ = (
        UniqueConstraint("event_id", "version"),
        UniqueConstraint("cap_sender", "cap_identifier", name="cap"),
        check_in("kind", VERSION_KINDS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[EventStatus] = mapped_column(
        StrEnumType(EventStatus, 16, allowed=VERSION_KINDS), nullable=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    # The event's values as of this version (counts included): what its CAP message says.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    cap_sender: Mapped[str] = mapped_column(String(200), nullable=False)
    cap_identifier: Mapped[str] = mapped_column(String(200), nullable=False)
    cap_sent: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    cap_msg_type: Mapped[str] = mapped_column(String(16), nullable=False)
    # The original XML of a message imported from a national system, served as it came.
    cap_xml: Mapped[str | None] = mapped_column(Text)


class VerificationRequest(ReplicaColumns, Base):
    """A request that the notifying state verify its event, and the state's answer."""

    __tablename__ = "notification_verifications"
    __table_args__ = (
        UniqueConstraint("origin_node", "origin_id", name="uq_notification_verifications_origin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    requester_state: Mapped[str | None] = mapped_column(String(3))
    question: Mapped[str] = mapped_column(Text, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answer_on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    answer: Mapped[str | None] = mapped_column(Text)


class Acknowledgement(ReplicaColumns, Base):
    """One member state's acknowledgement of receipt (one per state and event)."""

    __tablename__ = "notification_acknowledgements"
    __table_args__ = (
        UniqueConstraint("event_id", "state"),
        UniqueConstraint(
            "origin_node", "origin_id", name="uq_notification_acknowledgements_origin"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)


class RiskAssessment(ReplicaColumns, Base):
    """A rapid risk assessment of an event by a member state or the Secretariat."""

    __tablename__ = "notification_risk_assessments"
    __table_args__ = (
        UniqueConstraint(
            "origin_node", "origin_id", name="uq_notification_risk_assessments_origin"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    assessor: Mapped[str] = mapped_column(String(16), nullable=False)
    likelihood: Mapped[str] = mapped_column(String(32), nullable=False)
    consequence: Mapped[str] = mapped_column(String(32), nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)


class Comment(Base):
    """A comment on an event by anyone who may contribute."""

    __tablename__ = "notification_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    state: Mapped[str | None] = mapped_column(String(3))
    body: Mapped[str] = mapped_column(Text, nullable=False)


class EventDetermination(Base):
    """WHO's determination on one event (PHEIC, pandemic emergency or none), with its dates.

    A table of its own rather than columns of the event: only the Secretariat writes it
    (``preparedness.service``), an event update never touches it, and most events have none.
    """

    __tablename__ = "notification_who_determinations"
    __table_args__ = (check_in("determination", WhoDetermination),)

    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), primary_key=True
    )
    determination: Mapped[WhoDetermination] = mapped_column(
        StrEnumType(WhoDetermination, 32), nullable=False, index=True
    )
    determined_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)

    def audit_state(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "determination": self.determination,
            "determined_on": self.determined_on,
            "ended_on": self.ended_on,
            "source": self.source,
        }
