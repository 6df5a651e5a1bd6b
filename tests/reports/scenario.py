"""A week with something in every section of the report: ISO week 2024-W21 (20–26 May 2024).

Everything is created through the domains' services. The texts and numbers are synthetic,
written for the tests; the China influenza series is stored as synthetic demo data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import LineIn, RequestCreate
from epibridge.borders import service as borders
from epibridge.borders.schemas import CrossingCreate, StatusReportCreate
from epibridge.consultations import service as consultations
from epibridge.consultations.schemas import ConsultationCreate
from epibridge.db import read_session, write_session
from epibridge.detection import service as detection
from epibridge.detection.schemas import RunOptions
from epibridge.detection.service.common import DETECTION_ACTOR
from epibridge.epidata import service as epidata
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import (
    AssessmentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
)
from epibridge.security import Principal, Role

WEEK = "2024-W21"
MONDAY = date(2024, 5, 20)
EMPTY_WEEK = "2024-W03"
SECRETARIAT = Principal(user_id=0, name="sec", role=Role.SECRETARIAT)

KAZ_EVENT = "Measles cluster in Turkistan region (synthetic)"
CHN_EVENT = "Influenza A(H3N2) rise in Xinjiang (synthetic)"
RUS_EVENT = "Anthrax in cattle, Altai (synthetic)"
KGZ_DRILL = "Cholera preparedness drill, Osh (synthetic)"
UZB_OLD = "Brucellosis, Samarkand, earlier week (synthetic)"
CROSSING = "Khorgos test road crossing (synthetic)"
CONSULTATION = "Measles along the Kazakhstan–China border (synthetic)"
NEED_ITEM_NOTE = "Measles vaccine for the Turkistan response (synthetic)"


def fp(state: str) -> Principal:
    return Principal(user_id=0, name=f"fp-{state.lower()}", role=Role.FOCAL_POINT, state=state)


def at(day: int, hour: int = 9) -> datetime:
    """A moment in May 2024."""
    return datetime(2024, 5, day, hour, tzinfo=UTC)


@dataclass
class Seeded:
    kaz_event: int
    chn_event: int
    rus_event: int
    drill: int
    old_event: int
    alarms: int


def _event(
    session: Session,
    state: str,
    title: str,
    disease: str,
    onset: date,
    when: datetime,
    **kw: object,
) -> int:
    data = NotificationCreate(
        title=title,
        disease=disease,
        onset_date=onset,
        state=state,
        confirmed_cases=kw.pop("cases", 3),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return notifications.create(session, actor=fp(state), data=data, now=when).id


def _weekly_csv(state: str, disease: str, values: list[int]) -> bytes:
    first = MONDAY - timedelta(weeks=len(values) - 1)
    rows = ["state,area,disease,metric,classification,period_start,period_end,value"]
    for i, value in enumerate(values):
        start = first + timedelta(weeks=i)
        rows.append(f"{state},,{disease},cases,all,{start},{start + timedelta(days=6)},{value}")
    return ("\n".join(rows) + "\n").encode()


def _submit(sessions: sessionmaker[Session], state: str, body: bytes, synthetic: bool) -> None:
    with read_session(sessions) as session:
        checked = epidata.check_file(
            session, actor=fp(state), state=state, stream=io.BytesIO(body), filename="w.csv"
        )
    with write_session(sessions) as session:
        epidata.store(session, checked=checked, synthetic=synthetic, source="test (synthetic)")


def seed(sessions: sessionmaker[Session], *, detect: bool = True) -> Seeded:
    with write_session(sessions) as session:
        kaz = _event(session, "KAZ", KAZ_EVENT, "B05", date(2024, 5, 18), at(21), cases=41)
        notifications.assess(
            session,
            actor=SECRETARIAT,
            event_id=kaz,
            data=AssessmentCreate(
                likelihood="highly_likely", consequence="major", rationale="Synthetic test."
            ),
            now=at(22),
        )
        chn = _event(session, "CHN", CHN_EVENT, "J11", date(2024, 5, 8), at(10))
        notifications.update(
            session,
            actor=fp("CHN"),
            event_id=chn,
            data=NotificationUpdate(confirmed_cases=120),
            now=at(22, 15),
        )
        rus = _event(session, "RUS", RUS_EVENT, "A22", date(2024, 5, 1), at(2))
        notifications.close(
            session,
            actor=fp("RUS"),
            event_id=rus,
            data=NotificationClose(reason="No new cases for 30 days (synthetic)."),
            now=at(24),
        )
        drill = _event(
            session, "KGZ", KGZ_DRILL, "A00", date(2024, 5, 20), at(21, 11), mode="exercise"
        )
        old = _event(session, "UZB", UZB_OLD, "A23", date(2024, 5, 6), at(7))

    # Weekly measles cases of Kazakhstan with a jump in the report week; China's influenza
    # series is synthetic demo data.
    _submit(
        sessions, "KAZ", _weekly_csv("KAZ", "B05", [2, 3, 2, 4, 3, 2, 3, 4, 3, 2, 3, 41]), False
    )
    flu = [900, 850, 800, 760, 700, 690, 650, 640, 600, 580, 560, 530]
    _submit(sessions, "CHN", _weekly_csv("CHN", "J11", flu), True)

    alarms = 0
    if detect:
        report = detection.run(
            sessions,
            options=RunOptions(states=["KAZ"], diseases=["B05"], method="ears-c1", last=1),
            actor=DETECTION_ACTOR,
        )
        alarms = report.alarms

    with write_session(sessions) as session:
        crossing = borders.create_crossing(
            session,
            actor=SECRETARIAT,
            data=CrossingCreate(
                code="TEST-KAZ-CHN-road",
                name=CROSSING,
                kind="road",
                state_a="KAZ",
                name_a="Nur Zholy (synthetic)",
                state_b="CHN",
                name_b="Khorgos (synthetic)",
                latitude=44.2,
                longitude=80.36,
                source="synthetic test crossing",
            ),
        )
        for status, when, c8 in (("open", at(1), 0), ("restricted", at(23), 1)):
            borders.report_status(
                session,
                actor=fp("KAZ"),
                crossing_id=crossing.id,
                data=StatusReportCreate(
                    side="KAZ",
                    direction="inbound",
                    traffic="people",
                    status=status,
                    measures_c8=c8,
                    measures_text="Measles screening of arrivals (synthetic)" if c8 else None,
                    effective_from=when,
                ),
            )
        assistance.create_request(
            session,
            actor=fp("KAZ"),
            data=RequestCreate(
                state="KAZ",
                urgency="immediate",
                delivery_point="Shymkent regional warehouse (synthetic)",
                needed_by=date(2099, 6, 1),
                lines=[LineIn(item="vaccine", quantity=50000, unit="dose", note=NEED_ITEM_NOTE)],
            ),
        )
        consultations.convene(
            session,
            actor=fp("KAZ"),
            data=ConsultationCreate(topic=CONSULTATION, participants=["CHN", "KAZ", "KGZ"]),
            now=at(22, 8),
        )
    return Seeded(kaz, chn, rus, drill, old, alarms)
