"""A consultation set up the way the tests need it: Kazakhstan chairing, spring 2024.

The texts are synthetic, written for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.consultations import models, service
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
)
from epibridge.db import write_session
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Principal, Role

#: Kazakhstan chaired from 5 July 2023 to 4 July 2024; Belarus was still an observer then.
NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(days=7)
PARTICIPANTS = ["CHN", "KAZ", "RUS"]
TEXT_EN = "Synthetic test text. The member states agree to share laboratory data within 48 hours."
TEXT_RU = "Синтетический текст. Государства-члены обмениваются лабораторными данными за 48 часов."


def fp(state: str) -> Principal:
    return Principal(user_id=0, name=f"fp-{state.lower()}", role=Role.FOCAL_POINT, state=state)


SECRETARIAT = Principal(user_id=0, name="sec", role=Role.SECRETARIAT)
OBSERVER_MNG = Principal(user_id=0, name="obs-mng", role=Role.OBSERVER, state="MNG")


@dataclass
class Scenario:
    consultation_id: int
    document_id: int


def convene(sessions: sessionmaker[Session], *, participants: list[str] | None = None) -> int:
    with write_session(sessions) as session:
        consultation = service.convene(
            session,
            actor=fp("KAZ"),
            data=ConsultationCreate(
                topic="Cross-border laboratory data sharing (synthetic)",
                participants=participants if participants is not None else PARTICIPANTS,
                observers=["MNG"],
                agenda=[AgendaItemIn(title="Opening"), AgendaItemIn(title="Draft statement")],
            ),
            now=NOW,
        )
        return consultation.id


def with_document(
    sessions: sessionmaker[Session], *, participants: list[str] | None = None
) -> Scenario:
    consultation_id = convene(sessions, participants=participants)
    with write_session(sessions) as session:
        document = service.create_document(
            session,
            actor=fp("KAZ"),
            consultation_id=consultation_id,
            data=DocumentCreate(
                kind="joint_statement",
                title="Joint statement on laboratory data (synthetic)",
                texts={"en": TEXT_EN, "ru": TEXT_RU},
            ),
            now=NOW,
        )
        return Scenario(consultation_id, document.id)


def under_decision(
    sessions: sessionmaker[Session],
    *,
    procedure: str = "consensus",
    participants: list[str] | None = None,
) -> Scenario:
    scenario = with_document(sessions, participants=participants)
    with write_session(sessions) as session:
        service.put_to_decision(
            session,
            actor=fp("KAZ"),
            document_id=scenario.document_id,
            data=DecisionCreate(version=1, procedure=procedure, deadline=DEADLINE),  # type: ignore[arg-type]
            now=NOW,
        )
    return scenario


def position(
    sessions: sessionmaker[Session],
    document_id: int,
    state: str,
    value: str = "support",
    *,
    actor: Principal | None = None,
    version: int = 1,
    reasons: str | None = None,
    now: datetime = NOW + timedelta(days=1),
) -> None:
    with write_session(sessions) as session:
        service.record_position(
            session,
            actor=actor or fp(state),
            document_id=document_id,
            data=PositionCreate(state=state, version=version, position=value, reasons=reasons),  # type: ignore[arg-type]
            now=now,
        )


def footprint(session: Session) -> dict[str, int]:
    """How many rows of each kind exist: a refused write must leave every count unchanged."""
    counted = {
        "audit": audit.count_entries(session),
        "outbox": session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
    }
    for table in (
        models.Consultation,
        models.Document,
        models.Version,
        models.Amendment,
        models.Decision,
        models.Position,
        models.Signature,
        models.RecordEntry,
    ):
        counted[table.__tablename__] = session.execute(
            select(func.count()).select_from(table)
        ).scalar_one()
    return counted


def topics(session: Session) -> list[str]:
    return list(
        session.execute(
            select(OutboxMessage.topic)
            .where(OutboxMessage.topic.like("consultation.%"))
            .order_by(OutboxMessage.created_at)
        ).scalars()
    )
