"""Tables of detection in the system: signals, and what the runs have already read.

A signal is one alarm of one method on one period of one series, as the data were known when
the run read them (``as_of``). The series is named by its key, not by a foreign key: series
belong to the epidemic database and are read through its service. The draft notification a
signal opened is likewise stored by id only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.detection.statuses import SignalStatus


class Signal(Base):
    """One alarm of one method on one period of one series (one row, however many re-runs)."""

    __tablename__ = "detection_signals"
    __table_args__ = (
        UniqueConstraint(
            "dataset",
            "state",
            "area",
            "disease",
            "metric",
            "classification",
            "period_start",
            "period_end",
            "method",
            name="uq_detection_signals_key",
        ),
        check_in("status", SignalStatus),
        Index("ix_detection_signals_state_id", "state", "id"),
        Index("ix_detection_signals_status_id", "status", "id"),
        UniqueConstraint("origin_node", "origin_id", name="uq_detection_signals_origin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "sco" for member states' data; "reference:<name>" for a published outside dataset.
    dataset: Mapped[str] = mapped_column(String(80), nullable=False)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    area: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    disease: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    metric: Mapped[str] = mapped_column(String(24), nullable=False)
    classification: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    granularity: Mapped[str] = mapped_column(String(8), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    method: Mapped[str] = mapped_column(String(24), nullable=False)
    observed: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    upperbound: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    # Whether the latest run that looked at this period still raised the alarm.
    alarm: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    run_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[SignalStatus] = mapped_column(
        StrEnumType(SignalStatus, 16), nullable=False, default=SignalStatus.OPEN
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Whether the counts judged had their incomplete periods replaced by the nowcast median.
    nowcast: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # A signal of another node shared with this one (NULL: computed here); read-only here.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[int | None] = mapped_column(Integer)


class DetectionCursor(Base):
    """How far a run has read a stream of messages (``epidata.submission_accepted``)."""

    __tablename__ = "detection_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class WatchedSeries(Base):
    """A state's disease that has data, learned from accepted submissions.

    ``changed_at`` is when a submission last touched it; a run with ``changed`` looks only at
    those changed since it last ran.
    """

    __tablename__ = "detection_watched"
    __table_args__ = (UniqueConstraint("state", "disease", name="uq_detection_watched_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    disease: Mapped[str] = mapped_column(String(16), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConsumedMessage(Base):
    """A message already taken into account; kept a while so a re-read skips it.

    Messages are read again from a little before the cursor (a message's time is set before
    its transaction commits, so one may become visible after later ones were read).
    """

    __tablename__ = "detection_consumed"

    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
