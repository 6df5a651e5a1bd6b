"""The notifications of the scenario: a measles outbreak in Kazakhstan notified last week and
followed up, and an earlier one in Uzbekistan closed since.

Kazakhstan notifies on Tuesday; the Secretariat asks it to verify and it answers the same
day; neighbours acknowledge; on Thursday it updates the counts and the Secretariat assesses
the risk. All are drills (mode ``exercise``, CAP status Exercise) with SYNTHETIC texts: a demo
is never a real event, and a subscriber receives its messages only when it asked for exercises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from epibridge.demo_scenario.cast import Cast, Timeline
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import (
    AssessmentCreate,
    CommentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    Translation,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.notifications.statuses import EventMode

#: In every text of the scenario, and what a second load looks for to know it was played.
MARK = "SYNTHETIC demo scenario"
NOTE = f"{MARK} played by `epibridge demo load`: not a real event."
KAZ_TITLE = "Measles outbreak in Almaty region (SYNTHETIC demo)"
UZB_TITLE = "Measles in Samarkand region (SYNTHETIC demo)"
#: A demo event is a drill, never a real one (as detection treats synthetic data).
MODE = EventMode.EXERCISE
#: Who acknowledges the Kazakh notification (the other member states have not yet).
ACKNOWLEDGING = ("CHN", "KGZ", "UZB", "RUS")


@dataclass(frozen=True)
class Events:
    kaz_event: int
    uzb_event: int


def played(session: Session, cast: Cast) -> bool:
    """Whether the scenario's notification is in the database already."""
    page = notifications.list_events(session, actor=cast.secretariat, limit=1, q=KAZ_TITLE)
    return bool(page.items)


def _kaz_event(session: Session, cast: Cast, time: Timeline) -> int:
    kaz = cast.fp("KAZ")
    event = notifications.create(
        session,
        actor=kaz,
        data=NotificationCreate(
            title=KAZ_TITLE,
            disease="B05",
            onset_date=time.last_monday - timedelta(days=16),
            detection_date=time.last_monday - timedelta(days=2),
            area_code="KZ-19",
            latitude=44.2,
            longitude=80.0,
            event_type="outbreak",
            mode=MODE,
            suspected_cases=64,
            confirmed_cases=18,
            deaths=0,
            affected_states=["CHN"],
            measures="Catch-up vaccination in the districts concerned; screening of "
            "travellers at Khorgos (synthetic).",
            description=f"Laboratory-confirmed measles among unvaccinated children near the "
            f"border with China, rising for three weeks. {NOTE}",
            translations={
                "ru": Translation(
                    title="Вспышка кори в Алматинской области (СИНТЕТИЧЕСКИЕ демо-данные)",
                    description="Лабораторно подтверждённая корь у непривитых детей у границы "
                    "с Китаем. Синтетический демонстрационный сценарий, не реальное событие.",
                ),
                "zh": Translation(
                    title="阿拉木图州麻疹暴发（合成演示数据）",
                    description="中哈边境附近未接种疫苗儿童中实验室确诊的麻疹。"
                    "合成演示情景，并非真实事件。",
                ),
            },
        ),
        now=time.last_week(1, 9, 30),
    )
    question = notifications.request_verification(
        session,
        actor=cast.secretariat,
        event_id=event.id,
        data=VerificationCreate(
            question="Are the cases laboratory-confirmed, and has the genotype been "
            "determined? (synthetic)"
        ),
        now=time.last_week(1, 11),
    )
    notifications.answer_verification(
        session,
        actor=kaz,
        event_id=event.id,
        verification_id=question.id,
        data=VerificationAnswer(
            verified=True,
            answer="18 cases IgM-positive at the national reference laboratory; genotype D8 "
            "(synthetic).",
        ),
        now=time.last_week(1, 16, 45),
    )
    for hour, state in enumerate(ACKNOWLEDGING):
        notifications.acknowledge(
            session, actor=cast.fp(state), event_id=event.id, now=time.last_week(1, 12 + hour)
        )
    notifications.comment(
        session,
        actor=cast.fp("CHN"),
        event_id=event.id,
        data=CommentCreate(
            body="Horgos port health is screening arrivals from Kazakhstan (synthetic)."
        ),
        now=time.last_week(2, 8),
    )
    notifications.update(
        session,
        actor=kaz,
        event_id=event.id,
        data=NotificationUpdate(
            suspected_cases=112,
            confirmed_cases=41,
            measures="Catch-up vaccination extended to the whole region (synthetic).",
        ),
        now=time.last_week(3, 10),
    )
    notifications.assess(
        session,
        actor=cast.secretariat,
        event_id=event.id,
        data=AssessmentCreate(
            likelihood="likely",  # type: ignore[arg-type]
            consequence="moderate",  # type: ignore[arg-type]
            rationale="Rising cases near a busy border crossing, vaccination coverage gaps on "
            "both sides; good laboratory capacity (synthetic assessment).",
        ),
        now=time.last_week(3, 15),
    )
    return event.id


def _uzb_event(session: Session, cast: Cast, time: Timeline) -> int:
    uzb = cast.fp("UZB")
    event = notifications.create(
        session,
        actor=uzb,
        data=NotificationCreate(
            title=UZB_TITLE,
            disease="B05",
            onset_date=time.last_monday - timedelta(weeks=9),
            area_code="UZ-SA",
            mode=MODE,
            suspected_cases=40,
            confirmed_cases=22,
            description=f"Measles in schools of Samarkand region. {NOTE}",
        ),
        now=time.last_week(-56, 10),
    )
    notifications.close(
        session,
        actor=uzb,
        event_id=event.id,
        data=NotificationClose(reason="No new cases for two incubation periods (synthetic)."),
        now=time.last_week(2, 11),
    )
    return event.id


def play(session: Session, cast: Cast, time: Timeline) -> Events:
    uzb = _uzb_event(session, cast, time)  # the older event first, as it happened
    return Events(kaz_event=_kaz_event(session, cast, time), uzb_event=uzb)
