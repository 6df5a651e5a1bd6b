"""Tables of consultations, their drafts, decisions, positions and signatures.

States are stored as ISO3 codes without foreign keys: the organization profile belongs to the
members domain and is reached through its service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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

from epibridge.consultations.statuses import (
    AmendmentStatus,
    ClosingOutcome,
    ConsultationStatus,
    ConvenorKind,
    DecisionStatus,
    DocumentKind,
    DocumentStatus,
    ParticipantRole,
    Procedure,
    RecordKind,
    Stance,
)
from epibridge.db import Base, StrEnumType, UTCDateTime, check_in


class Consultation(Base):
    """A consultation among member states on one topic."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_origin", "origin_node", "origin_id", unique=True),
        check_in("status", ConsultationStatus),
        check_in("convenor_kind", ConvenorKind),
        check_in("closing_outcome", ClosingOutcome),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ConsultationStatus] = mapped_column(
        StrEnumType(ConsultationStatus, 16), nullable=False, index=True
    )
    # The day whose membership decides who takes part (the day it was convened or requested).
    convened_on: Mapped[date] = mapped_column(Date, nullable=False)
    convenor_kind: Mapped[ConvenorKind | None] = mapped_column(StrEnumType(ConvenorKind, 16))
    convening_state: Mapped[str | None] = mapped_column(String(3))
    convened_by: Mapped[str | None] = mapped_column(String(200))
    convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_by_state: Mapped[str | None] = mapped_column(String(3))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    request_reason: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[str | None] = mapped_column(String(200))
    response_reason: Mapped[str | None] = mapped_column(Text)
    # Set when the convenor closes the consultation (status ``closed``), never changed after.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closing_outcome: Mapped[ClosingOutcome | None] = mapped_column(StrEnumType(ClosingOutcome, 16))
    closing_reason: Mapped[str | None] = mapped_column(Text)
    event_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    deadlines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Replicas only (NULL on local records): the convener's node and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))

    participants: Mapped[list[Participant]] = relationship(
        back_populates="consultation",
        order_by="Participant.state_iso3",
        cascade="all, delete-orphan",
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class Participant(Base):
    """A delegation taking part: a member state (with a say) or an invited observer/partner."""

    __tablename__ = "consultation_participants"
    __table_args__ = (
        UniqueConstraint("consultation_id", "state_iso3"),
        check_in("role", ParticipantRole),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    role: Mapped[ParticipantRole] = mapped_column(StrEnumType(ParticipantRole, 16), nullable=False)

    consultation: Mapped[Consultation] = relationship(back_populates="participants")


class AgendaItem(Base):
    """One item of a consultation's ordered agenda."""

    __tablename__ = "consultation_agenda_items"
    __table_args__ = (UniqueConstraint("consultation_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class RecordEntry(Base):
    """One timestamped entry of the consultation's record (minutes or a note)."""

    __tablename__ = "consultation_record_entries"
    __table_args__ = (check_in("kind", RecordKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    state_iso3: Mapped[str | None] = mapped_column(String(3))
    kind: Mapped[RecordKind] = mapped_column(StrEnumType(RecordKind, 16), nullable=False)
    agenda_position: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class Document(Base):
    """A draft document (joint statement, action plan, protocol) and, once adopted, its number."""

    __tablename__ = "consultation_documents"
    __table_args__ = (
        Index("ix_consultation_documents_origin", "origin_node", "origin_id", unique=True),
        check_in("kind", DocumentKind),
        check_in("status", DocumentStatus),
        UniqueConstraint("number_year", "number_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(StrEnumType(DocumentKind, 32), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[DocumentStatus] = mapped_column(StrEnumType(DocumentStatus, 16), nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))


class Version(Base):
    """One numbered version of a document, with its text in each language provided."""

    __tablename__ = "consultation_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_documents.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    texts: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class Amendment(Base):
    """A member state's proposed change to one version, with its reasons."""

    __tablename__ = "consultation_amendments"
    __table_args__ = (check_in("status", AmendmentStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_number: Mapped[int] = mapped_column(Integer, nullable=False)
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    proposed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    texts: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[AmendmentStatus] = mapped_column(
        StrEnumType(AmendmentStatus, 16), nullable=False
    )
    incorporated_in: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Decision(Base):
    """One version put to decision, under consensus or the silence procedure, until a deadline."""

    __tablename__ = "consultation_decisions"
    __table_args__ = (
        Index("ix_consultation_decisions_origin", "origin_node", "origin_id", unique=True),
        check_in("procedure", Procedure),
        check_in("status", DecisionStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_number: Mapped[int] = mapped_column(Integer, nullable=False)
    procedure: Mapped[Procedure] = mapped_column(StrEnumType(Procedure, 16), nullable=False)
    # The organization's rule and participation share when the decision opened.
    decision_rule: Mapped[str] = mapped_column(String(32), nullable=False)
    participation: Mapped[float] = mapped_column(Float, nullable=False)
    member_states: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    status: Mapped[DecisionStatus] = mapped_column(
        StrEnumType(DecisionStatus, 16), nullable=False, index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    opened_by: Mapped[str] = mapped_column(String(200), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(Text)
    # ``outcome`` as a message id and its parameters ({"id": ..., "params": {...}}), so that
    # each reader sees it in their language; ``outcome`` keeps the English.
    outcome_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))

    positions: Mapped[list[Position]] = relationship(
        order_by="Position.state_iso3", cascade="all, delete-orphan"
    )


class Position(Base):
    """A member state's position on a decision (the latest; the audit log keeps every change)."""

    __tablename__ = "consultation_positions"
    __table_args__ = (
        Index("ix_consultation_positions_origin", "origin_node", "origin_id", unique=True),
        UniqueConstraint("decision_id", "state_iso3"),
        check_in("position", Stance),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_decisions.id", ondelete="CASCADE"), nullable=False
    )
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    position: Mapped[Stance] = mapped_column(StrEnumType(Stance, 16), nullable=False)
    reasons: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200), nullable=False)
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    changes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))


class Signature(Base):
    """A member state's signature of an adopted document, by its focal point."""

    __tablename__ = "consultation_signatures"
    __table_args__ = (
        Index("ix_consultation_signatures_origin", "origin_node", "origin_id", unique=True),
        UniqueConstraint("document_id", "state_iso3"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_documents.id", ondelete="CASCADE"), nullable=False
    )
    state_iso3: Mapped[str] = mapped_column(String(3), nullable=False)
    signed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    #: Replicas only (NULL on local records): the node it came from and its id there.
    origin_node: Mapped[str | None] = mapped_column(String(64))
    origin_id: Mapped[str | None] = mapped_column(String(64))
