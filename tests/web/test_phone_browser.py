"""Every page of the site on a phone-sized screen (390 px wide), in Chromium: nothing scrolls
sideways; a table wider than the screen scrolls inside its own box (issue 14, point 8).

The Secretariat and a focal point each open every page of ``PAGES`` with real ids from synthetic
data made here; an administrator opens the pages that are for administrators. A new page goes
into ``PAGES`` (one line); ``test_every_page_is_listed`` reads the routes of the real application
(``create_app``) and fails while one is missing.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy.orm import Session, sessionmaker

from epibridge.app import create_app
from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import OfferCreate, RequestCreate
from epibridge.borders import service as borders
from epibridge.borders.schemas import LaneCreate, StatusReportCreate
from epibridge.consultations import service as consultations
from epibridge.consultations.schemas import AgendaItemIn, ConsultationCreate, DocumentCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.epidata.ingest import ingest
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.preparedness import service as preparedness
from epibridge.preparedness.schemas import CommunicationTestCreate
from epibridge.security import Principal, Role
from epibridge.settings import Settings
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR
from tests.notifications.factory import event_body
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

WIDTH = 390
FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=3, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
SECRETARIAT = Principal(user_id=2, name="sec", role=Role.SECRETARIAT)

BOTH = frozenset({"secretariat", "focal_point"})
ADMIN = frozenset({"admin"})
EVERYONE = BOTH | ADMIN

#: Every page of the site: (path with ids from ``_seed``, the roles it is for). The Secretariat
#: and the focal point open every page: one they may not open is still checked, since its
#: refusal must fit the screen too; the administrator opens only the pages for administrators.
PAGES: list[tuple[str, frozenset[str]]] = [
    ("/", EVERYONE),
    ("/states", BOTH),
    ("/login", BOTH),
    ("/notifications", BOTH),
    ("/notifications/new", BOTH),
    ("/notifications/{event_id}", BOTH),
    ("/notifications/{event_id}/update", BOTH),
    ("/signals", BOTH),
    ("/signals/{signal_id}", BOTH),
    (
        "/data/curve?state=KAZ&disease=A00&metric=cases&classification=confirmed&detect=ears-c1",
        BOTH,
    ),
    ("/data/import", BOTH),
    ("/borders", BOTH),
    ("/borders/crossings/{crossing_id}", BOTH),
    ("/borders/lanes", BOTH),
    ("/borders/lanes/new", BOTH),
    ("/borders/lanes/{lane_id}/edit", BOTH),
    ("/assistance", BOTH),
    ("/assistance/requests", BOTH),
    ("/assistance/requests/new", BOTH),
    ("/assistance/requests/{request_id}", BOTH),
    ("/assistance/offers", BOTH),
    ("/assistance/offers/new", BOTH),
    ("/assistance/offers/{offer_id}", BOTH),
    ("/consultations", BOTH),
    ("/consultations/new", frozenset({"secretariat"})),
    ("/consultations/{consultation_id}", BOTH),
    ("/consultations/{consultation_id}/documents/{document_id}", BOTH),
    ("/reports", BOTH),
    ("/directory", BOTH),
    ("/search?q=synthetic", BOTH),
    ("/audit", frozenset({"secretariat", "admin"})),
    ("/account", EVERYONE),
    ("/account/subscriptions", EVERYONE),
    ("/admin/accounts", ADMIN),
    ("/admin/accounts/{name}", ADMIN),
    ("/directory/{state}/edit", frozenset({"focal_point"})),
    ("/preparedness/tests", BOTH),
    ("/preparedness/tests/{test_id}", BOTH),
    ("/timeliness", BOTH),
    ("/data/backtest?state=KAZ&disease=A00&classification=confirmed&max_delay=2&periods=9", BOTH),
    ("/assistance/edxl-import", BOTH),
    ("/data/dhis2-mapping", frozenset({"secretariat", "admin"})),
    ("/federation/nodes", BOTH),
    ("/federation/sharing", BOTH),
    ("/federation/sharing/{state}", BOTH),
]
#: Addresses a form answered from (the language switcher links to them): they send the browser
#: on to a page of ``PAGES``, they show nothing themselves.
NOT_PAGES = {"/audit/verify", "/admin/accounts/{name}/{action}"}
#: Routes that are not pages a person reads, by their beginning and by their end (downloads).
NOT_PAGE_PREFIXES = ("/api/", "/static", "/docs", "/redoc", "/openapi", "/health", "/feeds")
NOT_PAGE_SUFFIXES = (".csv", ".xml", ".atom", ".json")

#: Twelve synthetic weeks of KAZ cholera counts, so the curve page draws a chart.
CSV = "state,area,disease,metric,classification,period_start,period_end,value\n" + "".join(
    f"KAZ,,A00,cases,confirmed,{date(2026, 8, 3) + timedelta(weeks=i)},"
    f"{date(2026, 8, 9) + timedelta(weeks=i)},{value}\n"
    for i, value in enumerate((3, 4, 2, 5, 3, 4, 3, 4, 2, 3, 4, 40))
)


def _routes(settings: Settings) -> set[str]:
    """The GET routes of the real application that its API schema leaves out (the web UI's),
    less what is not a page."""
    app = create_app(settings)
    app.state.engine.dispose()
    found = set()
    for route in iter_route_contexts(app.routes):  # also the routes of included routers
        path = route.path_format
        if "GET" not in (getattr(route, "methods", None) or ()) or route.include_in_schema:
            continue
        if not path.startswith(NOT_PAGE_PREFIXES) and not path.endswith(NOT_PAGE_SUFFIXES):
            found.add(path)
    return found


def test_every_page_is_listed(site_settings: Settings) -> None:
    routes = _routes(site_settings)
    listed = {path.split("?")[0] for path, _ in PAGES}
    missing = routes - listed - NOT_PAGES
    assert not missing, f"add these pages to PAGES in {Path(__file__).name}: {sorted(missing)}"
    assert not listed - routes, f"no such pages: {sorted(listed - routes)}"
    assert {"/borders/lanes/{lane_id}/edit", "/signals/{signal_id}"} <= routes  # the reading works


def _seed(sessions: sessionmaker[Session]) -> dict[str, int | str]:
    """Synthetic data behind every page: an event, a signal, a crossing with reports and a
    lane, a consultation with a document, an assistance request with an offer, a curve."""
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
        request = assistance.create_request(
            session,
            actor=FP_KAZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KAZ",
                    "urgency": "immediate",
                    "delivery_point": "Almaty, central medical warehouse (synthetic)",
                    "needed_by": now.date() + timedelta(days=10),
                    "visibility": "partners",
                    "event_id": event.id,
                    "lines": [{"item": "ppe-respirator", "quantity": 5000, "unit": "piece"}],
                }
            ),
        )
        session.flush()
        offer = assistance.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": request.id,
                    "commit": True,
                    "note": "Respirators from the Urumqi reserve (synthetic).",
                    "lines": [{"item": "ppe-respirator", "quantity": 2000, "unit": "piece"}],
                }
            ),
        )
        ids: dict[str, int | str] = {
            "event_id": event.id,
            "crossing_id": crossing_id,
            "lane_id": lane.id,
            "consultation_id": consultation.id,
            "document_id": document.id,
            "request_id": request.id,
            "offer_id": offer.id,
            "name": FP_KAZ.name,
        }
    ingest(
        sessions,
        actor=FP_KAZ,
        file=io.BytesIO(CSV.encode()),
        state="KAZ",
        file_format="csv",
        filename="synthetic-weekly.csv",
    )
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions, states=["KAZ"])
    with read_session(sessions) as session:
        found = detection.list_signals(session, principal=OPERATOR, state="KAZ", limit=1)
    ids["signal_id"] = found.items[0].id
    with write_session(sessions) as session:
        ids["state"] = "KAZ"
        ids["test_id"] = preparedness.launch(
            session, actor=SECRETARIAT, data=CommunicationTestCreate(note="Synthetic half-yearly")
        ).id
    return ids


#: What sticks out of a page too wide for the screen (deepest elements first), for the message.
STICKING_OUT = """w => Array.from(document.querySelectorAll("main *, header *"))
  .filter(e => e.getBoundingClientRect().right > w + 1)
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + (e.textContent || "").trim().slice(0, 40))"""


def _walk(web: Site, name: str, role: str, ids: dict[str, int | str]) -> None:
    """Open the pages in one browser context; every page the role may open answers 200."""
    page = web.sign_in(name, width=WIDTH)
    too_wide = []
    for template, roles in PAGES:
        if role == "admin" and role not in roles:
            continue
        path = template.format(**ids)
        response = page.goto(web.base + path)
        assert response is not None
        if role in roles:
            assert response.status == 200, (path, response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide.append((path, width, page.evaluate(STICKING_OUT, WIDTH)))
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


def _people(web: Site) -> None:
    web.user("sec", "secretariat")
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-chn", "focal_point", "CHN")
    web.user("admin", "admin")


def test_every_page_fits_a_phone_for_the_secretariat(web: Site) -> None:
    _people(web)
    _walk(web, "sec", "secretariat", _seed(web.sessions))


def test_every_page_fits_a_phone_for_a_focal_point_and_an_administrator(web: Site) -> None:
    _people(web)
    ids = _seed(web.sessions)
    _walk(web, "fp-kaz", "focal_point", ids)
    _walk(web, "admin", "admin", ids)
