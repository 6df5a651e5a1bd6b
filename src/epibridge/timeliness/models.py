"""Tables of 7-1-7 timeliness: an event's milestones, its early response actions, and the
bottlenecks and enablers recorded against its intervals.

The detection and notification dates themselves stay in ``notification_events`` (what the
state notified); only what 7-1-7 adds is stored here: a corrected emergence date, an earlier
notification to the national public-health authority, and the early response actions.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.timeliness.statuses import (
    ActionOutcome,
    EarlyAction,
    FactorCategory,
    FactorKind,
    Interval,
)


class Milestones(Base):
    """What the event's state corrected or added to its milestones (one row per event)."""

    __tablename__ = "timeliness_milestones"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), primary_key=True
    )
    # NULL: the event's onset date is the emergence date.
    emergence_date: Mapped[date | None] = mapped_column(Date)
    emergence_source: Mapped[str | None] = mapped_column(Text)
    # NULL: the event was first notified when it was notified in epibridge.
    national_notification_date: Mapped[date | None] = mapped_column(Date)
    national_notification_source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


class ResponseAction(Base):
    """One early response action of one event: the day it was completed, or not needed."""

    __tablename__ = "timeliness_actions"
    __table_args__ = (
        UniqueConstraint("event_id", "action"),
        check_in("action", EarlyAction),
        check_in("outcome", ActionOutcome),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[EarlyAction] = mapped_column(StrEnumType(EarlyAction, 32), nullable=False)
    outcome: Mapped[ActionOutcome] = mapped_column(StrEnumType(ActionOutcome, 16), nullable=False)
    completed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Factor(Base):
    """A bottleneck or an enabler of one interval of one event, in a taxonomy category."""

    __tablename__ = "timeliness_factors"
    __table_args__ = (
        check_in("kind", FactorKind),
        check_in("stage", Interval),
        check_in("category", FactorCategory),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("notification_events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[FactorKind] = mapped_column(StrEnumType(FactorKind, 16), nullable=False)
    stage: Mapped[Interval] = mapped_column(StrEnumType(Interval, 16), nullable=False)
    category: Mapped[FactorCategory] = mapped_column(
        StrEnumType(FactorCategory, 32), nullable=False
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
