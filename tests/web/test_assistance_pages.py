"""The assistance board over real HTTP on both backends: remaining quantities, overdue needs
and pledges stand out, what an observer may not see stays hidden, in every language."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import OfferCreate, RequestCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.security import Principal, Role
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _parse, _sign_in

FP_KGZ = Principal(user_id=1, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")


def _seed(sessions: sessionmaker[Session]) -> None:
    today = utcnow().date()
    with write_session(sessions) as session:
        # Asked for a month ago, needed three days ago: overdue now.
        late = assistance.create_request(
            session,
            actor=FP_KGZ,
            today=today - timedelta(days=30),
            data=RequestCreate.model_validate(
                {
                    "state": "KGZ",
                    "urgency": "immediate",
                    "delivery_point": "Bishkek, Manas airport cargo terminal (synthetic)",
                    "needed_by": today - timedelta(days=3),
                    "visibility": "partners",
                    "lines": [{"item": "ppe-respirator", "quantity": 10000, "unit": "piece"}],
                }
            ),
        )
        assistance.create_request(
            session,
            actor=FP_KGZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KGZ",
                    "urgency": "future",
                    "delivery_point": "Osh regional hospital (members only, synthetic)",
                    "needed_by": today + timedelta(days=20),
                    "visibility": "members",
                    "lines": [{"item": "ppe-gloves", "quantity": 700, "unit": "pair"}],
                }
            ),
        )
        assistance.create_offer(
            session,
            actor=FP_CHN,
            today=today - timedelta(days=20),
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": late.id,
                    "commit": True,
                    "lines": [{"item": "ppe-respirator", "quantity": 6000, "unit": "piece"}],
                }
            ),
        )


def test_assistance_board(live_url: str, sessions: sessionmaker[Session]) -> None:
    _seed(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    headings = {"en": "Assistance board", "ru": "Доска взаимопомощи", "zh": "援助看板"}
    for lang, heading in headings.items():
        response = client.get("/assistance", params={"lang": lang})
        assert response.status_code == 200, response.text[:500]
        parsed = _parse(response.text)
        assert parsed.html_lang == lang and f"<h1>{heading}</h1>" in response.text
        for control in parsed.controls:
            assert control.get("id") in parsed.labels, f"control {control} has no label"
        weight = len(response.content) + sum(len(client.get(a).content) for a in parsed.assets)
        assert all(a.startswith("/") for a in parsed.assets) and weight < 500_000

    page = client.get("/assistance", params={"lang": "en"}).text
    assert '<a href="/assistance" aria-current="page">' in page
    # 10 000 asked, 6 000 pledged: 4 000 remain, and the need is overdue.
    row = re.search(r'<tr class="overdue-row">(.*?)</tr>', page, re.S)
    assert row and "<strong>4,000</strong>" in row.group(1) and "Overdue" in row.group(1)
    # The pledge is late too, and says why.
    assert re.search(r"Pledged</td>.*?Overdue</span> <span class=\"overdue\">needed by", page, re.S)
    assert "Osh regional hospital" in page and "<strong>700</strong>" in page
    # Filters by state and item.
    gloves = client.get("/assistance", params={"item": "ppe-gloves"}).text
    assert "Osh regional hospital" in gloves and "Manas airport" not in gloves

    # An observer sees the partners' request, not the members-only one.
    observer = _sign_in(live_url, "observer-mng")
    seen = observer.get("/assistance", params={"lang": "en"}).text
    assert "Manas airport" in seen and "Osh regional hospital" not in seen
    # Visitors are sent to sign in and see no link to the board.
    assert httpx.get(f"{live_url}/assistance").status_code == 303
    assert 'href="/assistance"' not in httpx.get(f"{live_url}/").text


FP_KAZ = Principal(user_id=3, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")


def _kaz_request(sessions: sessionmaker[Session]) -> int:
    with write_session(sessions) as session:
        request = assistance.create_request(
            session,
            actor=FP_KAZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KAZ",
                    "urgency": "expected",
                    "delivery_point": "Almaty, central warehouse (synthetic)",
                    "needed_by": utcnow().date() + timedelta(days=14),
                    "lines": [{"item": "test-pcr", "quantity": 5000, "unit": "test"}],
                }
            ),
        )
        offer = assistance.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": request.id,
                    "commit": True,
                    "lines": [{"item": "test-pcr", "quantity": 2000, "unit": "test"}],
                }
            ),
        )
        del offer
        return request.id


def test_another_state_may_not_cancel_or_move_on(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    request_id = _kaz_request(sessions)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    rus = _sign_in(live_url, "fp-rus")
    page = rus.get(f"/assistance/requests/{request_id}", params={"lang": "ru"}).text
    # Russia sees the request and may answer it, but has no button to cancel it or move
    # China's pledge on.
    assert "/cancel" not in page and "/status" not in page and 'id="answer-link"' in page
    with read_session(sessions) as session:
        pledge = assistance.list_commitments(session, actor=FP_KAZ, request_id=request_id).items[0]
    refused = {
        f"/assistance/requests/{request_id}/cancel": {"reason": "not ours (synthetic)"},
        f"/assistance/commitments/{pledge.id}/status": {"status": "dispatched"},
    }
    for path, data in refused.items():
        answer = rus.post(path, data={"csrf_token": _csrf(page), **data})
        assert answer.status_code == 403, (path, answer.text[:300])
        assert '<html lang="ru">' in answer.text and "<h1>Нет доступа</h1>" in answer.text
    zh = rus.post(
        f"/assistance/requests/{request_id}/cancel",
        params={"lang": "zh"},
        data={"csrf_token": _csrf(page)},
    )
    assert zh.status_code == 403 and "<h1>无权操作</h1>" in zh.text
    with read_session(sessions) as session:
        read = assistance.get_request(session, actor=FP_KAZ, request_id=request_id)
        again = assistance.get_commitment(session, actor=FP_KAZ, commitment_id=pledge.id)
    assert read.status == "open" and again.status == "pledged"
    # Kazakhstan's own focal point has the button, and the cancellation goes through.
    kaz = _sign_in(live_url, "fp-kaz")
    own = kaz.get(f"/assistance/requests/{request_id}").text
    assert 'id="cancel-request"' in own
    done = kaz.post(
        f"/assistance/requests/{request_id}/cancel",
        data={"csrf_token": _csrf(own), "reason": "covered nationally (synthetic)"},
    )
    assert done.status_code == 303
    with read_session(sessions) as session:
        assert assistance.get_request(session, actor=FP_KAZ, request_id=request_id).status == (
            "cancelled"
        )


def test_bad_input_names_the_field(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    kaz = _sign_in(live_url, "fp-kaz")
    form = kaz.get("/assistance/requests/new", params={"lang": "ru"})
    assert form.status_code == 200 and "<h1>Запросить содействие</h1>" in form.text
    posted = kaz.post(
        "/assistance/requests/new",
        data={
            "csrf_token": _csrf(form.text),
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": "",
            "needed_by": "31.12.2026",
            "line-0-item": "ppe-gloves",
            "line-0-quantity": "много",
            "line-1-quantity": "10",
        },
    )
    assert posted.status_code == 422, posted.text[:500]
    text = posted.text
    assert "Исправьте отмеченные ниже поля." in text
    # Each wrong field is named by its label, in Russian, and marked beside the control.
    for label, message in [
        ("Срок", "дата (ГГГГ-ММ-ДД)"),
        ("Строка 1, количество", "целым числом"),
        ("Строка 2, позиция", "выберите позицию"),
        ("Пункт доставки", "Обязательное поле"),  # validation_messages: "Field required"
    ]:
        found = re.search(rf"<strong>{re.escape(label)}</strong>: [^<]*{re.escape(message)}", text)
        assert found, (label, re.findall(r"<li><strong>.*?</li>", text))
    assert re.search(r'id="line-0-quantity"[^>]*value="много" aria-invalid="true"', text)
    # What was typed comes back; nothing was written.
    assert 'value="31.12.2026"' in text
    with read_session(sessions) as session:
        assert assistance.list_requests(session, actor=FP_KAZ).items == []
    # A rule of the service (a date in the past) is named by its field too.
    past = kaz.post(
        "/assistance/requests/new",
        params={"lang": "en"},
        data={
            "csrf_token": _csrf(form.text),
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": "Astana (synthetic)",
            "needed_by": "2020-01-01",
            "line-0-item": "ppe-gloves",
            "line-0-quantity": "100",
        },
    )
    assert past.status_code == 422 and "<strong>Needed by</strong>: is in the past" in past.text


def test_every_assistance_page_labels_its_controls(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    request_id = _kaz_request(sessions)
    with read_session(sessions) as session:
        offer_id = assistance.list_offers(session, actor=FP_KAZ).items[0].id
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    client = _sign_in(live_url, "sec")
    pages = [
        "/assistance/requests",
        "/assistance/requests/new",
        f"/assistance/requests/{request_id}",
        "/assistance/offers",
        "/assistance/offers/new",
        f"/assistance/offers/new?request_id={request_id}",
        f"/assistance/offers/{offer_id}",
    ]
    for lang in ("en", "ru", "zh"):
        for path in pages:
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, response.text[:300])
            parsed = _parse(response.text)
            assert parsed.html_lang == lang
            for control in parsed.controls:
                assert control.get("id") in parsed.labels, f"{path}: {control} has no label"
    # The Secretariat acts for either side: every step and the cancel button are offered.
    page = client.get(f"/assistance/requests/{request_id}", params={"lang": "en"}).text
    for button in ("Mark dispatched", "Release the pledge", 'id="cancel-request"'):
        assert button in page
    assert "Confirm receipt" not in page  # not before delivery


def test_a_line_problem_is_shown_on_the_line_it_names(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    kaz = _sign_in(live_url, "fp-kaz")
    form = kaz.get("/assistance/requests/new", params={"lang": "en"}).text
    # Rows 2 and 4 filled, the same item twice: the service's "line 2" is the form's line 2
    # once the filled rows are moved up.
    posted = kaz.post(
        "/assistance/requests/new",
        data={
            "csrf_token": _csrf(form),
            "state": "KAZ",
            "urgency": "expected",
            "delivery_point": "Astana (synthetic)",
            "needed_by": (utcnow().date() + timedelta(days=5)).isoformat(),
            "line-1-item": "ppe-gloves",
            "line-1-quantity": "100",
            "line-3-item": "ppe-gloves",
            "line-3-quantity": "50",
        },
    )
    assert posted.status_code == 422
    assert "<strong>Line 2, item</strong>: line 2: item listed twice" in posted.text
    assert re.search(r'id="line-1-item"[^>]*aria-invalid="true"', posted.text)
    assert re.search(r'id="line-1-quantity"[^>]*value="50"', posted.text)
    assert re.search(r'id="line-0-quantity"[^>]*value="100"', posted.text)
