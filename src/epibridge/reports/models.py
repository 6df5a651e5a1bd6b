"""Stored situation reports: each generated file with what it covers and who made it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime


class Report(Base):
    """One generated situation report; the file itself is kept in the row (a few hundred kB)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    week_start: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str | None] = mapped_column(String(3))
    lang: Mapped[str] = mapped_column(String(2), nullable=False)
    format: Mapped[str] = mapped_column(String(4), nullable=False)
    filename: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
