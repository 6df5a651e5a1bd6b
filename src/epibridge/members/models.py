"""Tables of the organization profile and of user accounts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from epibridge.db import Base, StrEnumType, UTCDateTime, check_in
from epibridge.members.statuses import MembershipStatus
from epibridge.security import ACCOUNT_ROLES, Role


class Organization(Base):
    """The one organization this deployment serves (a single row)."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    founded: Mapped[date] = mapped_column(Date, nullable=False)
    official_languages: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    interface_languages: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    decision_rule: Mapped[str] = mapped_column(String(32), nullable=False)
    participation: Mapped[float] = mapped_column(nullable=False, default=1.0)
    profile_digest: Mapped[str] = mapped_column(String(64), nullable=False)


class State(Base):
    """A state in the organization's orbit: member, observer, partner (now or once)."""

    __tablename__ = "states"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), nullable=False, unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    founding: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    statuses: Mapped[list[StateStatus]] = relationship(
        back_populates="state", order_by="StateStatus.valid_from", cascade="all, delete-orphan"
    )

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names["en"]


class StateStatus(Base):
    """One period of one status of a state; together they are its history."""

    __tablename__ = "state_statuses"
    __table_args__ = (
        check_in("status", MembershipStatus),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state_iso3: Mapped[str] = mapped_column(
        ForeignKey("states.iso3", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[MembershipStatus] = mapped_column(
        StrEnumType(MembershipStatus, 32), nullable=False
    )
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    state: Mapped[State] = relationship(back_populates="statuses")


class Body(Base):
    """A council or permanent body of the organization."""

    __tablename__ = "bodies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    seat: Mapped[str | None] = mapped_column(String(100))
    seat_state_iso3: Mapped[str | None] = mapped_column(ForeignKey("states.iso3"))
    established: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(200))


class Chairmanship(Base):
    """The state chairing the organization over one period."""

    __tablename__ = "chairmanships"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state_iso3: Mapped[str] = mapped_column(ForeignKey("states.iso3"), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False, unique=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    summit: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    """A person or machine that signs in: focal point, Secretariat, observer, admin, system."""

    __tablename__ = "users"
    __table_args__ = (check_in("role", ACCOUNT_ROLES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 32, allowed=ACCOUNT_ROLES), nullable=False)
    state_iso3: Mapped[str | None] = mapped_column(ForeignKey("states.iso3"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def audit_state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "state": self.state_iso3,
            "display_name": self.display_name,
            "email": self.email,
            "language": self.language,
            "is_active": self.is_active,
            "has_password": self.password_hash is not None,
        }


class ApiToken(Base):
    """An API token; only its hash is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hint: Mapped[str] = mapped_column(String(16), nullable=False)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class BrowserSession(Base):
    """A signed-in browser session, kept server-side so ending it takes effect at once.

    The cookie carries a random session id; only its SHA-256 hash is stored (like API tokens),
    so a copy of the table signs no one in.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (UniqueConstraint("id_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: logout, password, deactivated, ended (by an administrator) or expired
    end_reason: Mapped[str | None] = mapped_column(String(32))
