"""Tables of the focal-point directory and of communication tests.

WHO's determination on an event is the event's (``notifications.models.EventDetermination``):
the event's read model and its list filter read it there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime


class DirectoryEntry(Base):
    """What one member state says about its IHR contacts, and when it last confirmed it.

    The accounts directory (``members.directory``) lists who can sign in; this is what the
    state declares: its National IHR Focal Point (reachable at all times, article 4), the
    National IHR Authority the 2024 amendments added beside it, and the 24/7 duty line.
    """

    __tablename__ = "ihr_directory_entries"

    state_iso3: Mapped[str] = mapped_column(
        ForeignKey("states.iso3", ondelete="CASCADE"), primary_key=True
    )
    focal_point_name: Mapped[str | None] = mapped_column(String(300))
    focal_point_email: Mapped[str | None] = mapped_column(String(320))
    duty_phone: Mapped[str | None] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    authority_name: Mapped[str | None] = mapped_column(String(300))
    authority_email: Mapped[str | None] = mapped_column(String(320))
    authority_phone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    #: The day the yearly reminder to confirm last went out (the scheduler sends one a year).
    reminded_on: Mapped[date | None] = mapped_column(Date)

    def audit_state(self) -> dict[str, Any]:
        return {
            "state": self.state_iso3,
            "focal_point_name": self.focal_point_name,
            "focal_point_email": self.focal_point_email,
            "duty_phone": self.duty_phone,
            "languages": self.languages,
            "authority_name": self.authority_name,
            "authority_email": self.authority_email,
            "authority_phone": self.authority_phone,
            "confirmed_on": self.confirmed_on,
        }


class CommunicationTest(Base):
    """One TEST message the Secretariat sent to every member state's focal points.

    Kept apart from events on purpose: no list, count, search or scorecard of events reads it.
    """

    __tablename__ = "communication_tests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    launched_by: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    #: The member states on the day of launch: the ones expected to answer.
    states: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False)


class CommunicationTestAnswer(Base):
    """A state's acknowledgement of a communication test (the first one counts)."""

    __tablename__ = "communication_test_answers"
    __table_args__ = (UniqueConstraint("test_id", "state", name="uq_communication_test_answer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    test_id: Mapped[int] = mapped_column(
        ForeignKey("communication_tests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state: Mapped[str] = mapped_column(String(3), nullable=False)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_by: Mapped[str] = mapped_column(String(200), nullable=False)
