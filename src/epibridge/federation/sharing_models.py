"""The table of what each state shares with other nodes: one row per state that set anything.

A state without a row shares under the conservative defaults of ``federation.sharing``
(national totals, no detection signals), so a node that never configured sharing sends no
subnational row and no signal.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in


class SharingLevel(StrEnum):
    """How much of a state's observations leave its node."""

    #: Every accepted row, as the state reported it.
    ALL = "all"
    #: Rows summed to the whole state (area "", all ages, both sexes) per disease and period.
    TOTALS = "totals"
    #: Every row, but only of the diseases listed.
    DISEASES = "diseases"
    #: No observation at all.
    NOTHING = "nothing"


class SharingSettings(Base):
    """What one state shares: its observations' level, an embargo, and its detection signals."""

    __tablename__ = "federation_sharing"
    __table_args__ = (check_in("level", SharingLevel),)

    state_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    level: Mapped[SharingLevel] = mapped_column(StrEnumType(SharingLevel, 16), nullable=False)
    #: Disease codes shared at level ``diseases`` (sorted, upper case); empty otherwise.
    diseases: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    #: No observation accepted before this day (UTC) leaves the node until the day begins.
    embargo_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: When the current embargo began holding submissions back (the window a release re-sends).
    embargo_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signals: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
