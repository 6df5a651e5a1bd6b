"""A small synthetic world to search in: events of two states (one a draft, one shared with
partners), a detection signal, assistance requests and a consultation."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import RequestCreate
from epibridge.consultations import schemas as cs
from epibridge.consultations import service as consultations
from epibridge.db import utcnow, write_session
from epibridge.detection import service as detection
from epibridge.detection.schemas import RunOptions
from epibridge.detection.service.common import DETECTION_ACTOR
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.notifications import schemas as ns
from epibridge.notifications import service as notifications
from epibridge.security import Principal, Role
from tests.notifications.factory import event_body

FP_KAZ = Principal(user_id=901, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_RUS = Principal(user_id=902, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
FP_KGZ = Principal(user_id=903, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")
SECRETARIAT = Principal(user_id=904, name="sec", role=Role.SECRETARIAT)
OBSERVER = Principal(user_id=905, name="obs-mng", role=Role.OBSERVER, state="MNG")

START = date(2026, 8, 3)
#: Twelve synthetic weeks of cholera in KAZ with a spike in the last: EARS C1 opens a signal.
WEEKLY = (3, 4, 2, 5, 3, 4, 3, 4, 2, 3, 4, 40)
CSV = "state,area,disease,metric,classification,period_start,period_end,value\n" + "".join(
    f"KAZ,,A00,cases,confirmed,{START + timedelta(weeks=i)},"
    f"{START + timedelta(weeks=i, days=6)},{value}\n"
    for i, value in enumerate(WEEKLY)
)


@dataclass(frozen=True)
class World:
    notified: int  # KAZ, members: "Synthetic test: cholera cluster in Almaty"
    draft: int  # KAZ draft: "Synthetic draft: cholera in Shymkent"
    shared: int  # RUS, partners: "Synthetic test: cholera at the Orenburg crossing"
    request: int  # KGZ, partners: delivery point "Bishkek cholera ward (synthetic)"
    consultation: int  # "Synthetic cholera response coordination"
    signals: int  # how many detection opened (titles name cholera)


def _event(session: Session, actor: Principal, *, notify: bool, **body: object) -> int:
    if not notify:
        body["status"] = "draft"
    event = notifications.create(
        session, actor=actor, data=ns.NotificationCreate.model_validate(event_body(**body))
    )
    return event.id


def build(sessions: sessionmaker[Session]) -> World:
    with write_session(sessions) as session:
        notified = _event(session, FP_KAZ, notify=True, state="KAZ")
        draft = _event(
            session, FP_KAZ, notify=False, state="KAZ", title="Synthetic draft: cholera in Shymkent"
        )
        shared = _event(
            session,
            FP_RUS,
            notify=True,
            state="RUS",
            visibility="partners",
            title="Synthetic test: cholera at the Orenburg crossing",
        )
        request = assistance.create_request(
            session,
            actor=FP_KGZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KGZ",
                    "urgency": "immediate",
                    "delivery_point": "Bishkek cholera ward (synthetic)",
                    "needed_by": utcnow().date() + timedelta(days=10),
                    "visibility": "partners",
                    "lines": [{"item": "ppe-gloves", "quantity": 500, "unit": "pair"}],
                }
            ),
        ).id
        consultation = consultations.convene(
            session,
            actor=SECRETARIAT,
            data=cs.ConsultationCreate(
                topic="Synthetic cholera response coordination",
                participants=["KAZ", "RUS", "CHN"],
            ),
        ).id
    ingest(
        sessions,
        actor=FP_KAZ,
        file=io.BytesIO(CSV.encode()),
        state="KAZ",
        filename="synthetic-cholera.csv",
        options=IngestOptions(synthetic=True),
    )
    report = detection.run(
        sessions,
        options=RunOptions(states=["KAZ"], diseases=["A00"], method="ears-c1", since=START),
        actor=DETECTION_ACTOR,
    )
    return World(notified, draft, shared, request, consultation, report.opened)
