"""Assistance in Chromium, each workflow done through the page by the role that does it: a
state's focal point requests (linked to its event), another offers and pledges, dispatches and
delivers, the requester confirms receipt, cancels; the offerer withdraws. Each result is read on
the page and in the service. All data is synthetic."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import OfferCreate, RequestCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.security import Principal, Role
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

FP_KAZ = Principal(user_id=0, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=0, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
FP_RUS = Principal(user_id=0, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")


def _today() -> date:
    return utcnow().date()


def _event(sessions: sessionmaker[Session]) -> int:
    with write_session(sessions) as session:
        event = notifications.create(
            session,
            actor=FP_KAZ,
            data=NotificationCreate(
                title="Cholera cluster in Almaty region (synthetic)",
                disease="A00",
                onset_date=_today() - timedelta(days=5),
            ),
        )
        return event.id


def _request(sessions: sessionmaker[Session], quantity: int = 8000) -> int:
    with write_session(sessions) as session:
        request = assistance.create_request(
            session,
            actor=FP_KAZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KAZ",
                    "urgency": "immediate",
                    "delivery_point": "Almaty, central medical warehouse (synthetic)",
                    "needed_by": _today() + timedelta(days=14),
                    "lines": [{"item": "ppe-respirator", "quantity": quantity, "unit": "piece"}],
                }
            ),
        )
        return request.id


def _offer(sessions: sessionmaker[Session], actor: Principal, request_id: int | None) -> int:
    with write_session(sessions) as session:
        offer = assistance.create_offer(
            session,
            actor=actor,
            data=OfferCreate.model_validate(
                {
                    "state": actor.state,
                    "request_id": request_id,
                    "commit": request_id is not None,
                    "lines": [{"item": "ppe-respirator", "quantity": 3000, "unit": "piece"}],
                }
            ),
        )
        return offer.id


def _remaining(page: Page) -> str:
    return page.locator("#lines-table tbody tr").first.locator("td").nth(6).inner_text()


def test_a_focal_point_requests_assistance_for_its_event(web: Site) -> None:
    event_id = _event(web.sessions)
    web.user("fp-kaz", "focal_point", "KAZ")
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, "/assistance")
    kaz.get_by_role("link", name="Request assistance").click()
    needed_by = _today() + timedelta(days=10)
    kaz.get_by_label("Urgency").select_option("immediate")
    kaz.get_by_label("Needed by").fill(needed_by.isoformat())
    kaz.get_by_label("Delivery point").fill("Almaty, central medical warehouse (synthetic)")
    kaz.get_by_label("Linked event").select_option(str(event_id))
    kaz.get_by_label("Line 1, item").select_option("ppe-respirator")
    kaz.get_by_label("Line 1, quantity").fill("8000")
    kaz.get_by_label("Line 2, item").select_option("test-pcr")
    kaz.get_by_label("Line 2, quantity").fill("2000")
    kaz.get_by_label("Line 2, note").fill("for the regional laboratory")
    web.shoot(kaz, "assistance-request-form")
    kaz.get_by_role("button", name="Send the request").click()

    expect(kaz.locator("h1")).to_contain_text("Request #")
    expect(kaz.locator(".ok")).to_contain_text("The request is recorded")
    link = kaz.locator("#linked-event a")
    expect(link).to_have_text("Cholera cluster in Almaty region (synthetic)")
    expect(link).to_have_attribute("href", f"/notifications/{event_id}")
    expect(kaz.locator("#lines-table")).to_contain_text("8,000")
    expect(kaz.locator("#lines-table")).to_contain_text("for the regional laboratory")
    web.shoot(kaz, "assistance-request-page")
    request_id = int(re.findall(r"\d+", kaz.locator("h1").inner_text())[0])
    with read_session(web.sessions) as session:
        read = assistance.get_request(session, actor=FP_KAZ, request_id=request_id)
    assert (read.state, read.event_id, read.needed_by, read.urgency) == (
        "KAZ",
        event_id,
        needed_by,
        "immediate",
    )
    assert [(line.item, line.quantity, line.unit) for line in read.lines] == [
        ("ppe-respirator", 8000, "piece"),
        ("test-pcr", 2000, "test"),
    ]
    # The board lists the need and links to the request's page.
    web.go(kaz, "/assistance")
    kaz.get_by_role("link", name=f"#{request_id}").first.click()
    expect(kaz).to_have_url(re.compile(f"/assistance/requests/{request_id}$"))
    # The request page in Russian and in Chinese, for the guides.
    for lang, heading in (("ru", "Запрос № "), ("zh", "请求 #")):
        web.go(kaz, f"/assistance/requests/{request_id}?lang={lang}")
        expect(kaz.locator("h1")).to_contain_text(heading)
        web.shoot(kaz, "assistance-request-page")


def test_another_state_offers_and_pledges_what_remains(web: Site) -> None:
    request_id = _request(web.sessions)
    web.user("fp-chn", "focal_point", "CHN")
    chn = web.sign_in("fp-chn")
    # An unsolicited offer, through the offer form.
    web.go(chn, "/assistance/offers/new")
    chn.get_by_label("Expected delivery").fill((_today() + timedelta(days=7)).isoformat())
    chn.get_by_label("Line 1, item").select_option("ppe-respirator")
    chn.get_by_label("Line 1, quantity").fill("3000")
    web.shoot(chn, "assistance-offer-form")
    chn.get_by_role("button", name="Send the offer").click()
    expect(chn.locator(".ok")).to_have_text("The offer is recorded.")
    offer_id = int(re.findall(r"\d+", chn.locator("h1").inner_text())[0])
    # Pledged from the request's page, where the offer shows as matching what remains.
    web.go(chn, f"/assistance/requests/{request_id}")
    quantity = chn.locator("#matches ~ table input[name=quantity]").first
    expect(quantity).to_have_value("3000")
    quantity.fill("2500")
    chn.get_by_role("button", name="Pledge", exact=True).click()
    expect(chn.locator(".ok")).to_have_text("The pledge is recorded.")
    expect(chn.locator("#commitments-table")).to_contain_text("Pledged")
    assert _remaining(chn) == "5,500"
    web.shoot(chn, "assistance-pledge")
    with read_session(web.sessions) as session:
        pledges = assistance.list_commitments(session, actor=FP_CHN, request_id=request_id).items
        offer = assistance.get_offer(session, actor=FP_CHN, offer_id=offer_id)
    assert [(c.offer_id, c.quantity, c.status) for c in pledges] == [(offer_id, 2500, "pledged")]
    assert offer.remaining_total == 500 and offer.request_id is None


def test_dispatch_deliver_and_confirm_receipt(web: Site) -> None:
    request_id = _request(web.sessions)
    web.user("fp-rus", "focal_point", "RUS")
    web.user("fp-kaz", "focal_point", "KAZ")
    rus = web.sign_in("fp-rus")
    # Russia answers the request from its page, pledging at once.
    web.go(rus, f"/assistance/requests/{request_id}")
    rus.get_by_role("link", name="Offer assistance for this request").click()
    expect(rus.get_by_label("Line 1, quantity")).to_have_value("8000")
    rus.get_by_label("Line 1, quantity").fill("3000")
    expect(rus.get_by_label("Pledge at once")).to_be_checked()
    rus.get_by_role("button", name="Send the offer").click()
    expect(rus.locator(".ok")).to_have_text("The offer is recorded and pledged to the request.")
    assert _remaining(rus) == "5,000"
    rus.get_by_role("button", name="Mark dispatched").click()
    expect(rus.locator(".ok")).to_have_text("The consignment is marked dispatched.")
    rus.get_by_role("button", name="Mark delivered").click()
    expect(rus.locator(".ok")).to_have_text("The consignment is marked delivered.")
    # Only the requester confirms receipt: Russia has no such button.
    expect(rus.get_by_role("button", name="Confirm receipt")).to_have_count(0)
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, f"/assistance/requests/{request_id}")
    expect(kaz.get_by_role("button", name="Mark delivered")).to_have_count(0)
    kaz.get_by_role("button", name="Confirm receipt").click()
    expect(kaz.locator(".ok")).to_have_text("Receipt is confirmed.")
    expect(kaz.locator("#commitments-table")).to_contain_text("Receipt confirmed")
    web.shoot(kaz, "assistance-receipt-confirmed")
    with read_session(web.sessions) as session:
        (pledge,) = assistance.list_commitments(session, actor=FP_KAZ, request_id=request_id).items
        read = assistance.get_request(session, actor=FP_KAZ, request_id=request_id)
    assert pledge.status == "confirmed" and pledge.offered_by == "RUS"
    assert pledge.dispatched_on == pledge.delivered_on == pledge.confirmed_on == _today()
    assert (read.lines[0].delivered, read.lines[0].confirmed) == (3000, 3000)


def test_the_requester_cancels_and_the_offerer_withdraws(web: Site) -> None:
    request_id = _request(web.sessions)
    other = _request(web.sessions, quantity=500)
    offer_id = _offer(web.sessions, FP_CHN, request_id)
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-chn", "focal_point", "CHN")
    chn = web.sign_in("fp-chn")
    web.go(chn, f"/assistance/offers/{offer_id}")
    chn.get_by_label("Reason").fill("stock needed at home (synthetic)")
    chn.get_by_role("button", name="Withdraw the offer").click()
    expect(chn.locator(".ok")).to_contain_text("The offer is withdrawn")
    expect(chn.locator("#offer-status")).to_have_text("Withdrawn")
    expect(chn.locator("#commitments-table")).to_contain_text("Released")
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, f"/assistance/requests/{other}")
    kaz.get_by_label("Reason").fill("covered from the national reserve (synthetic)")
    kaz.get_by_role("button", name="Cancel the request").click()
    expect(kaz.locator(".ok")).to_contain_text("The request is cancelled")
    expect(kaz.locator("#request-status")).to_have_text("Cancelled")
    expect(kaz.locator("#cancel-request")).to_have_count(0)
    with read_session(web.sessions) as session:
        offer = assistance.get_offer(session, actor=FP_KAZ, offer_id=offer_id)
        cancelled = assistance.get_request(session, actor=FP_KAZ, request_id=other)
        first = assistance.get_request(session, actor=FP_KAZ, request_id=request_id)
    assert offer.status == "withdrawn" and "stock needed at home" in (offer.note or "")
    assert cancelled.status == "cancelled" and "national reserve" in (cancelled.note or "")
    # The withdrawn pledge gave its quantity back to the request.
    assert first.lines[0].remaining == 8000
