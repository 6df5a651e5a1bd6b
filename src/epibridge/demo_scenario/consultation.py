"""The consultation of the scenario, in its position round: convened by the Secretariat on the
measles event, a joint statement in three languages put to decision by consensus, and four of
the member states' positions recorded before the deadline, which falls a week after the load
(the scheduler then closes the decision as it would any other). The texts are SYNTHETIC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from epibridge.consultations import service as consultations
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
)
from epibridge.demo_scenario.cast import Cast, Timeline

TOPIC = "Measles along the Kazakhstan–China border (SYNTHETIC demo)"
STATEMENT = {
    "en": "SYNTHETIC demo text. The member states will share measles laboratory results "
    "within 48 hours and align catch-up vaccination in the border districts.",
    "ru": "СИНТЕТИЧЕСКИЙ демонстрационный текст. Государства-члены обмениваются "
    "лабораторными результатами по кори в течение 48 часов и согласуют догоняющую "
    "вакцинацию в приграничных районах.",
    "zh": "合成演示文本。成员国在48小时内共享麻疹实验室结果，并协调边境地区的补种疫苗工作。",
}
#: (state, position, day of last week): the others have not taken a position yet.
POSITIONS = (
    ("KAZ", "support", 3),
    ("CHN", "support", 4),
    ("KGZ", "abstain", 4),
    ("RUS", "support", 4),
)


@dataclass(frozen=True)
class Consultation:
    consultation_id: int
    document_id: int


def play(session: Session, cast: Cast, when: Timeline, *, event_id: int) -> Consultation:
    secretariat = cast.secretariat
    consultation = consultations.convene(
        session,
        actor=secretariat,
        data=ConsultationCreate(
            topic=TOPIC,
            description="SYNTHETIC demo consultation on the notified measles outbreak.",
            event_ids=[event_id],
            agenda=[
                AgendaItemIn(title="Situation in Almaty region"),
                AgendaItemIn(title="Joint statement on laboratory data and vaccination"),
            ],
        ),
        now=when.last_week(2, 9),
    )
    document = consultations.create_document(
        session,
        actor=secretariat,
        consultation_id=consultation.id,
        data=DocumentCreate(
            kind="joint_statement",  # type: ignore[arg-type]
            title="Joint statement on measles at the Kazakhstan–China border (SYNTHETIC demo)",
            texts=STATEMENT,  # type: ignore[arg-type]
        ),
        now=when.last_week(2, 10),
    )
    deadline = datetime.combine(when.days(7), time(12), tzinfo=UTC)
    consultations.put_to_decision(
        session,
        actor=secretariat,
        document_id=document.id,
        data=DecisionCreate(version=1, deadline=deadline),
        now=when.last_week(3, 9),
    )
    for state, stance, day in POSITIONS:
        consultations.record_position(
            session,
            actor=cast.fp(state),
            document_id=document.id,
            data=PositionCreate(state=state, version=1, position=stance),  # type: ignore[arg-type]
            now=when.last_week(day, 10),
        )
    return Consultation(consultation.id, document.id)
