"""Tables of the federation transport: the log, the exporter's progress, the peers' cursors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from epibridge.db import Base, UTCDateTime

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class LogEntry(Base):
    """One signed message this node sends: its own (exported) or another node's (relayed).

    ``seq`` orders the log; peers push and pull by it. ``token`` is the compact JWS exactly as
    signed by its origin, never re-signed, so every receiver checks the origin's signature.
    """

    __tablename__ = "federation_log"

    seq: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    origin_node: Mapped[str] = mapped_column(String(64), nullable=False)
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False)
    #: States the message is addressed to; empty: every node the visibility allows.
    states: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    token: Mapped[str] = mapped_column(Text, nullable=False)
    #: Who may see it (visibility, states), signed by the origin beside the message: the
    #: envelope does not carry it and the hub relays by it.
    route: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: True when the message came from another node and is passed on (the hub relays).
    relayed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ExportCursor(Base):
    """How far the exporter has read the outbox (one row, ``name`` "outbox").

    An outbox message's ``created_at`` is set before its transaction commits, so a message may
    appear after later ones were read: the exporter reads again from ``position - window`` and
    skips the ids in ``federation_exported``.
    """

    __tablename__ = "federation_export_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Exported(Base):
    """An outbox message the exporter has handled (whatever it produced); pruned past the window."""

    __tablename__ = "federation_exported"
    __table_args__ = (Index("ix_federation_exported_created_at", "created_at"),)

    outbox_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Peer(Base):
    """This node's bookkeeping about one peer: what it has pushed there and pulled from there."""

    __tablename__ = "federation_peers"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Every entry of this node's log up to this seq was delivered to (or refused by) the peer.
    pushed_seq: Mapped[int] = mapped_column(_BIG_ID, nullable=False, default=0)
    #: The peer's log was read up to this seq (pull).
    pulled_seq: Mapped[int] = mapped_column(_BIG_ID, nullable=False, default=0)
    #: The peer's last seq as it said at the last pull (what is still to pull: the lag).
    peer_head: Mapped[int] = mapped_column(_BIG_ID, nullable=False, default=0)
    last_contact: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
    #: Rounds failed in a row; the background loop waits a backoff after each.
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Rejection(Base):
    """A message a peer refused for good (4xx): kept with its reason, not sent again."""

    __tablename__ = "federation_rejections"
    __table_args__ = (Index("ix_federation_rejections_node_id", "node_id"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(_BIG_ID, nullable=False)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
