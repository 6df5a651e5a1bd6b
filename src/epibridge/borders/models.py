"""Tables of border crossings, their status reports and the green/fast lanes over them.

State codes are stored as ISO3 strings, not foreign keys: the members domain owns the states
table and is asked through its service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from epibridge.borders.statuses import (
    REPORTED_STATUSES,
    CrossingKind,
    CrossingStatus,
    Direction,
    LaneKind,
    Traffic,
)
from epibridge.db import Base, StrEnumType, UTCDateTime, check_in


class Crossing(Base):
    """A point of entry between two states (one row per kind: road and rail are two)."""

    __tablename__ = "border_crossings"
    __table_args__ = (
        check_in("kind", CrossingKind),
        CheckConstraint("state_a <> state_b", name="two_states"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[CrossingKind] = mapped_column(
        StrEnumType(CrossingKind, 8), nullable=False, index=True
    )
    state_a: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    name_a: Mapped[str] = mapped_column(String(200), nullable=False)
    state_b: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    name_b: Mapped[str] = mapped_column(String(200), nullable=False)
    # The names in the other languages, {"ru": {"name", "name_a", "name_b"}, "zh": {...},
    # "source": where they come from}; a language or name absent shows the English.
    names: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    latitude: Mapped[float] = mapped_column(Float, nullable=False)
    longitude: Mapped[float] = mapped_column(Float, nullable=False)
    approximate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    trucks_per_day: Mapped[int | None] = mapped_column(Integer)
    trains_per_day: Mapped[int | None] = mapped_column(Integer)
    travellers_per_day: Mapped[int | None] = mapped_column(Integer)
    capacity_note: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class StatusReport(Base):
    """What one side reports for one direction and one kind of traffic over one period.

    Rows are never deleted; a newer open-ended report closes the previous one by setting its
    ``effective_until``, so the rows of a crossing are its whole history.
    """

    __tablename__ = "border_status_reports"
    __table_args__ = (
        check_in("direction", Direction),
        check_in("traffic", Traffic),
        check_in("status", REPORTED_STATUSES),
        CheckConstraint("measures_c8 BETWEEN 0 AND 4", name="c8"),
        CheckConstraint(
            "effective_until IS NULL OR effective_until > effective_from", name="period"
        ),
        Index("ix_border_status_reports_key", "crossing_id", "side", "direction", "traffic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    crossing_id: Mapped[int] = mapped_column(
        ForeignKey("border_crossings.id", ondelete="CASCADE"), nullable=False, index=True
    )
    side: Mapped[str] = mapped_column(String(3), nullable=False)
    direction: Mapped[Direction] = mapped_column(StrEnumType(Direction, 8), nullable=False)
    traffic: Mapped[Traffic] = mapped_column(StrEnumType(Traffic, 8), nullable=False)
    status: Mapped[CrossingStatus] = mapped_column(
        StrEnumType(CrossingStatus, 12, allowed=REPORTED_STATUSES), nullable=False
    )
    capacity_share: Mapped[float | None] = mapped_column(Float)
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    measures_c8: Mapped[int] = mapped_column(Integer, nullable=False)
    measures_text: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    effective_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reported_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Lane(Base):
    """A green lane (priority freight) or fast lane (essential personnel) agreed between states."""

    __tablename__ = "border_lanes"
    __table_args__ = (
        check_in("kind", LaneKind),
        CheckConstraint("target_minutes > 0", name="target"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[LaneKind] = mapped_column(StrEnumType(LaneKind, 8), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    states: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    documents_accepted: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    checks: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(String(200))
    target_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    agreement: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    crossings: Mapped[list[LaneCrossing]] = relationship(
        cascade="all, delete-orphan", order_by="LaneCrossing.crossing_id"
    )

    @property
    def crossing_ids(self) -> list[int]:
        return [link.crossing_id for link in self.crossings]


class LaneCrossing(Base):
    """A crossing a lane applies to."""

    __tablename__ = "border_lane_crossings"

    lane_id: Mapped[int] = mapped_column(
        ForeignKey("border_lanes.id", ondelete="CASCADE"), primary_key=True
    )
    crossing_id: Mapped[int] = mapped_column(
        ForeignKey("border_crossings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
