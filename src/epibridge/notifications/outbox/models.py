"""Tables of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime


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
