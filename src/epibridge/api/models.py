"""Tables of the API layer itself (not of any domain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime


class IdempotencyRecord(Base):
    """The first response to a POST carrying an ``Idempotency-Key``, replayed on retries.

    While the first request runs, ``token`` names its reservation and ``lease_until`` bounds
    it; ``committed_at`` is set by the route's own write transaction (so a write and its
    reservation commit together or not at all), ``status_code``/``headers``/``body`` just
    after, before the response leaves the server.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[Any] = mapped_column(JSON, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
