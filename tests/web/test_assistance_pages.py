"""The assistance board over real HTTP on both backends: remaining quantities, overdue needs
and pledges stand out, what an observer may not see stays hidden, in every language."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import OfferCreate, RequestCreate
from epibridge.db import utcnow, write_session
from epibridge.security import Principal, Role
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _parse, _sign_in

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
