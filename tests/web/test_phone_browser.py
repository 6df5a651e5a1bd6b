"""Every page of the site on a phone-sized screen (390 px wide), in Chromium: nothing scrolls
sideways; a table wider than the screen scrolls inside its own box (issue 14, point 8).

The Secretariat and a focal point each open every page of ``PAGES`` with real ids from synthetic
data made here. A new page goes into ``PAGES`` (one line); ``test_every_page_is_listed`` reads
the page routers (``@router.get`` in ``src/epibridge/web``) and fails while one is missing.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import RequestCreate
from epibridge.borders import service as borders
from epibridge.borders.schemas import LaneCreate, StatusReportCreate
from epibridge.consultations import service as consultations
from epibridge.consultations.schemas import AgendaItemIn, ConsultationCreate, DocumentCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.epidata.ingest import ingest
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.security import Principal, Role
from tests.helpers import OPERATOR
from tests.notifications.factory import event_body
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

WIDTH = 390
WEB = Path(__file__).parents[2] / "src" / "epibridge" / "web"
FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
SECRETARIAT = Principal(user_id=2, name="sec", role=Role.SECRETARIAT)

#: Every page of the site: (path with ids from ``_seed``, the roles it is for). A page a role
#: may not open is still checked for that role: its refusal must fit the screen too.
PAGES: list[tuple[str, frozenset[str]]] = [
    ("/", frozenset({"secretariat", "focal_point"})),
    ("/states", frozenset({"secretariat", "focal_point"})),
    ("/login", frozenset({"secretariat", "focal_point"})),
    ("/notifications", frozenset({"secretariat", "focal_point"})),
    ("/notifications/new", frozenset({"secretariat", "focal_point"})),
    ("/notifications/{event_id}", frozenset({"secretariat", "focal_point"})),
    ("/notifications/{event_id}/update", frozenset({"secretariat", "focal_point"})),
    (
        "/data/curve?state=KAZ&disease=A00&metric=cases&classification=confirmed&detect=ears-c1",
        frozenset({"secretariat", "focal_point"}),
    ),
    ("/data/import", frozenset({"secretariat", "focal_point"})),
    ("/borders", frozenset({"secretariat", "focal_point"})),
    ("/borders/crossings/{crossing_id}", frozenset({"secretariat", "focal_point"})),
    ("/borders/lanes", frozenset({"secretariat", "focal_point"})),
    ("/borders/lanes/new", frozenset({"secretariat", "focal_point"})),
    ("/borders/lanes/{lane_id}/edit", frozenset({"secretariat", "focal_point"})),
    ("/assistance", frozenset({"secretariat", "focal_point"})),
    ("/consultations", frozenset({"secretariat", "focal_point"})),
    ("/consultations/{consultation_id}", frozenset({"secretariat", "focal_point"})),
    (
        "/consultations/{consultation_id}/documents/{document_id}",
        frozenset({"secretariat", "focal_point"}),
    ),
    ("/reports", frozenset({"secretariat", "focal_point"})),
]
#: Routes that are not pages a person reads.
NOT_PAGES = {"/data/curve.csv"}

#: Twelve synthetic weeks of KAZ cholera counts, so the curve page draws a chart.
CSV = "state,area,disease,metric,classification,period_start,period_end,value\n" + "".join(
    f"KAZ,,A00,cases,confirmed,{date(2026, 8, 3) + timedelta(weeks=i)},"
    f"{date(2026, 8, 9) + timedelta(weeks=i)},{value}\n"
    for i, value in enumerate((3, 4, 2, 5, 3, 4, 3, 4, 2, 3, 4, 40))
)


def _routes() -> set[str]:
    """The GET routes of the page routers, read from their source as the issue says."""
    found = set()
    for source in WEB.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        prefix = re.search(r'APIRouter\(prefix="([^"]*)"', text)
        for path in re.findall(r'@router\.get\(\s*"([^"]*)"', text):
            found.add((prefix.group(1) if prefix else "") + path)
    return found


def test_every_page_is_listed() -> None:
    listed = {path.split("?")[0] for path, _ in PAGES}
    missing = _routes() - listed - NOT_PAGES
    assert not missing, f"add these pages to PAGES in {Path(__file__).name}: {sorted(missing)}"
    assert "/borders/lanes/{lane_id}/edit" in _routes()  # the reading works


def _seed(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Synthetic data behind every page: an event, a crossing with reports and a lane, a
    consultation with a document, an assistance request, a curve."""
    now = utcnow()
    with write_session(sessions) as session:
        borders.load_registry(session, actor=OPERATOR)
    with read_session(sessions) as session:
        crossing_id = next(
            c.id
            for c in borders.list_crossings(session, state="KAZ", limit=200).items
            if c.code == "KAZ-CHN-khorgos-road"
        )
    with write_session(sessions) as session:
        event = notifications.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body())
        )
        for hours, status in ((30, "restricted"), (2, "open")):
            borders.report_status(
                session,
                actor=FP_KAZ,
                crossing_id=crossing_id,
                data=StatusReportCreate(
                    side="KAZ",
                    direction="inbound",
                    traffic="freight",
                    status=status,
                    capacity_share=0.6,
                    wait_minutes=45,
                    measures_c8=1,
                    measures_text="Drivers show a negative test taken within 72 hours (synthetic).",
                    effective_from=datetime.now(UTC) - timedelta(hours=hours),
                ),
            )
        lane = borders.create_lane(
            session,
            actor=FP_KAZ,
            data=LaneCreate(
                kind="green",
                name="KAZ–CHN green lane for medical supplies (synthetic)",
                states=["KAZ", "CHN"],
                crossing_ids=[crossing_id],
                valid_from=now.date(),
            ),
        )
        consultation = consultations.convene(
            session,
            actor=SECRETARIAT,
            data=ConsultationCreate(
                topic="Cross-border laboratory data sharing (synthetic)",
                participants=["CHN", "KAZ", "RUS"],
                agenda=[AgendaItemIn(title="Draft statement")],
            ),
        )
        document = consultations.create_document(
            session,
            actor=SECRETARIAT,
            consultation_id=consultation.id,
            data=DocumentCreate(
                kind="joint_statement",
                title="Joint statement on laboratory data (synthetic)",
                texts={"en": "States share laboratory data within 48 hours (synthetic)."},
            ),
        )
        assistance.create_request(
            session,
            actor=FP_KAZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KAZ",
                    "urgency": "immediate",
                    "delivery_point": "Almaty, central medical warehouse (synthetic)",
                    "needed_by": now.date() + timedelta(days=10),
                    "visibility": "partners",
                    "lines": [{"item": "ppe-respirator", "quantity": 5000, "unit": "piece"}],
                }
            ),
        )
        ids = {
            "event_id": event.id,
            "crossing_id": crossing_id,
            "lane_id": lane.id,
            "consultation_id": consultation.id,
            "document_id": document.id,
        }
    ingest(
        sessions,
        actor=FP_KAZ,
        file=io.BytesIO(CSV.encode()),
        state="KAZ",
        file_format="csv",
        filename="synthetic-weekly.csv",
    )
    return ids


def _walk(web: Site, name: str, role: str, ids: dict[str, int]) -> None:
    page = web.sign_in(name, width=WIDTH)
    too_wide = []
    for template, roles in PAGES:
        path = template.format(**ids)
        response = page.goto(web.base + path)
        assert response is not None
        if role in roles:
            assert response.status == 200, (path, response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide.append((path, width))
        if template == "/":
            web.shoot(page, "phone-dashboard")
        elif template == "/notifications/{event_id}":
            web.shoot(page, "phone-event")
        elif template == "/borders/crossings/{crossing_id}":
            # The history is wider than a phone: it scrolls in its box, the page does not.
            box = page.locator(".table-scroll:has(table.history)")
            assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "history fits: no test"
            assert box.evaluate("e => e.getBoundingClientRect().right") <= WIDTH
            if role == "focal_point":
                web.shoot(page, "phone-crossing")
    assert not too_wide, f"pages wider than {WIDTH} px: {too_wide}"


def test_every_page_fits_a_phone_for_the_secretariat(web: Site) -> None:
    ids = _seed(web.sessions)
    web.user("sec", "secretariat")
    _walk(web, "sec", "secretariat", ids)


def test_every_page_fits_a_phone_for_a_focal_point(web: Site) -> None:
    ids = _seed(web.sessions)
    web.user("fp-kaz", "focal_point", "KAZ")
    _walk(web, "fp-kaz", "focal_point", ids)
