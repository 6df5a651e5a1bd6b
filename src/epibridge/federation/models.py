"""Tables of federation: the nodes this node trusts (itself included), their public keys, the
trust lists signed by the hub, the ids of messages already applied, and refused messages.

Private keys are never here: they are files under ``VAR_DIR/keys`` (``federation.keys``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.federation.statuses import NodeRole


class FederationNode(Base):
    """A node of the federation; ``is_self`` marks this deployment's own row (at most one)."""

    __tablename__ = "federation_nodes"
    __table_args__ = (check_in("role", NodeRole),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node_id: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    role: Mapped[NodeRole] = mapped_column(StrEnumType(NodeRole, 16), nullable=False)
    #: The member state the node speaks for (None: the hub, which speaks for the Secretariat).
    state: Mapped[str | None] = mapped_column(String(3))
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    is_self: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    keys: Mapped[list[FederationKey]] = relationship(
        back_populates="node", cascade="all, delete-orphan", order_by="FederationKey.id"
    )


class FederationKey(Base):
    """One public signing key of a node and when it may sign."""

    __tablename__ = "federation_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node_pk: Mapped[int] = mapped_column(
        ForeignKey("federation_nodes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: RFC 7638 thumbprint of the key: the JWS header's ``kid``.
    kid: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    jwk: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: End of validity (set by a rotation: the overlap's end); None: no end yet.
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    node: Mapped[FederationNode] = relationship(back_populates="keys")


class FederationTrustList(Base):
    """A trust list as signed by the hub (issued here on the hub, received on a national node)."""

    __tablename__ = "federation_trust_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    token: Mapped[str] = mapped_column(Text, nullable=False)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class SeenMessage(Base):
    """A message already applied: the same id again is an idempotent no-op."""

    __tablename__ = "federation_seen_messages"

    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    origin_node: Mapped[str] = mapped_column(String(100), nullable=False)
    topic: Mapped[str] = mapped_column(String(100), nullable=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    #: SHA-256 of the token as received.
    digest: Mapped[str] = mapped_column(String(64), nullable=False)


class RefusedMessage(Base):
    """A message the inbox refused: why, who it claimed to be from, its digest (no payload)."""

    __tablename__ = "federation_refused_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    claimed_origin: Mapped[str | None] = mapped_column(String(100))
    kid: Mapped[str | None] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
