"""Tables of assistance requests and offers, their lines, and the commitments matching them.

States are ISO3 strings and events are ids of the notifications domain, not foreign keys: those
domains own their tables and are asked through their services.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from epibridge.assistance.statuses import (
    ASSISTANCE_VISIBILITY,
    OFFER_MESSAGE_KINDS,
    STORED_REQUEST_STATUSES,
    CommitmentStatus,
    MessageKind,
    OfferStatus,
    RequestStatus,
    Urgency,
)
from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.security import Visibility


class AssistanceRequest(Base):
    """An EDXL-RM RequestResource: a state asks for items by a date."""

    __tablename__ = "assistance_requests"
    __table_args__ = (
        Index("ix_assistance_requests_origin", "origin_node", "origin_id", unique=True),
        check_in("urgency", Urgency),
        check_in("status", STORED_REQUEST_STATUSES),
        check_in("visibility", ASSISTANCE_VISIBILITY),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    urgency: Mapped[Urgency] = mapped_column(StrEnumType(Urgency, 12), nullable=False)
    delivery_point: Mapped[str] = mapped_column(String(300), nullable=False)
    delivery_latitude: Mapped[float | None] = mapped_column(Float)
    delivery_longitude: Mapped[float | None] = mapped_column(Float)
    needed_by: Mapped[date] = mapped_column(Date, nullable=False)
    event_id: Mapped[int | None] = mapped_column(Integer, index=True)
    visibility: Mapped[Visibility] = mapped_column(
        StrEnumType(Visibility, 12, allowed=ASSISTANCE_VISIBILITY),
        nullable=False,
        default=Visibility.MEMBERS,
    )
    status: Mapped[RequestStatus] = mapped_column(
        StrEnumType(RequestStatus, 12, allowed=STORED_REQUEST_STATUSES),
        nullable=False,
        default=RequestStatus.OPEN,
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list[RequestLine]] = relationship(
        back_populates="request", order_by="RequestLine.line_no", cascade="all, delete-orphan"
    )


class RequestLine(Base):
    """One item and quantity asked for."""

    __tablename__ = "assistance_request_lines"
    __table_args__ = (
        UniqueConstraint("request_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[AssistanceRequest] = relationship(back_populates="lines")


class AssistanceOffer(Base):
    """An EDXL-RM ResponseToRequestResource (answers a request) or OfferUnsolicitedResource."""

    __tablename__ = "assistance_offers"
    __table_args__ = (
        Index("ix_assistance_offers_origin", "origin_node", "origin_id", unique=True),
        check_in("message_kind", OFFER_MESSAGE_KINDS),
        check_in("status", OfferStatus),
        check_in("visibility", ASSISTANCE_VISIBILITY),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_kind: Mapped[MessageKind] = mapped_column(
        StrEnumType(MessageKind, 32, allowed=OFFER_MESSAGE_KINDS), nullable=False
    )
    # The offering state; NULL when the Secretariat offers on the organization's own account.
    state: Mapped[str | None] = mapped_column(String(3), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistance_requests.id", ondelete="SET NULL"), index=True
    )
    available_from: Mapped[date | None] = mapped_column(Date)
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    visibility: Mapped[Visibility] = mapped_column(
        StrEnumType(Visibility, 12, allowed=ASSISTANCE_VISIBILITY),
        nullable=False,
        default=Visibility.MEMBERS,
    )
    status: Mapped[OfferStatus] = mapped_column(
        StrEnumType(OfferStatus, 12), nullable=False, default=OfferStatus.OPEN
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list[OfferLine]] = relationship(
        back_populates="offer", order_by="OfferLine.line_no", cascade="all, delete-orphan"
    )


class OfferLine(Base):
    """One item and quantity offered."""

    __tablename__ = "assistance_offer_lines"
    __table_args__ = (
        UniqueConstraint("offer_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_offers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    item: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    offer: Mapped[AssistanceOffer] = relationship(back_populates="lines")


class Commitment(Base):
    """An EDXL-RM CommitResource: part of an offer line pledged to a request line, then tracked.

    pledged → dispatched → delivered → confirmed (by the requesting state); released ends it
    early and gives the quantity back to both sides.
    """

    __tablename__ = "assistance_commitments"
    __table_args__ = (
        Index("ix_assistance_commitments_origin", "origin_node", "origin_id", unique=True),
        CheckConstraint("quantity > 0", name="quantity"),
        check_in("status", CommitmentStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    request_line_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_request_lines.id", ondelete="CASCADE"), nullable=False, index=True
    )
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_offers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    offer_line_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_offer_lines.id", ondelete="CASCADE"), nullable=False, index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[CommitmentStatus] = mapped_column(
        StrEnumType(CommitmentStatus, 12), nullable=False, default=CommitmentStatus.PLEDGED
    )
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    pledged_on: Mapped[date] = mapped_column(Date, nullable=False)
    dispatched_on: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))
