"""Notification and signal pages over real HTTP, on both backends: who may act on a draft, the
error pages a refused action gets (never a 500), counts "not reported", the signal pages'
permissions. The workflows themselves are driven in Chromium (``test_notification_browser``,
``test_signal_browser``). Every event and series is synthetic test data.
"""

from __future__ import annotations

import re

import httpx
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.detection import service as detection
from epibridge.notifications import cap as caplib
from epibridge.notifications.models import NotificationEvent
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR, bearer, make_user
from tests.notifications.factory import event_body

PASSWORD = "correct-horse-1"
API = "/api/v1/notifications"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def _sign_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "name": name, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def _post(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    token = _csrf(client.get("/notifications").text)
    return client.post(path, data={"csrf_token": token, **data})


def _create(base: str, token: str, **overrides: object) -> int:
    created = httpx.post(base + API, json=event_body(**overrides), headers=bearer(token))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _status(sessions: sessionmaker[Session], event_id: int) -> str:
    with read_session(sessions) as session:
        event = session.get(NotificationEvent, event_id)
        assert event is not None
        return str(event.status)


def test_a_draft_is_notified_or_discarded_by_its_state_only(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    kaz_token = make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    draft = _create(live_url, kaz_token, status="draft", title="Synthetic test: draft")
    kaz, rus = _sign_in(live_url, "fp-kaz"), _sign_in(live_url, "fp-rus")

    # Another state's focal point: the draft does not exist for it; every action says so.
    assert rus.get(f"/notifications/{draft}").status_code == 404
    for action in ("notify", "discard", "comments"):
        refused = _post(rus, f"/notifications/{draft}/{action}", reason="x", body="x")
        assert refused.status_code == 404, (action, refused.status_code)
        assert "text/html" in refused.headers["content-type"]
        assert "Not found" in refused.text and f"no notification {draft}" in refused.text
    assert _status(sessions, draft) == "draft"

    # Its own state: "Notify" and "Discard", never "Notify an update".
    page = kaz.get(f"/notifications/{draft}").text
    assert 'id="notify-draft"' in page and 'id="discard-draft"' in page
    assert "Notify an update" not in page and "Edit the draft" in page
    assert "Download CAP" not in page  # a draft has no CAP message
    blank = _post(kaz, f"/notifications/{draft}/discard", reason="  ")
    assert blank.status_code == 422 and "reason" in blank.text
    done = _post(kaz, f"/notifications/{draft}/discard", reason="Synthetic test: duplicate")
    assert done.status_code == 303
    shown = kaz.get(done.headers["location"]).text
    assert "Draft discarded; it will not be notified." in shown
    assert "Synthetic test: duplicate" in shown and 'id="notify-draft"' not in shown
    assert _status(sessions, draft) == "discarded"
    again = _post(kaz, f"/notifications/{draft}/notify")
    assert again.status_code == 409 and "only a draft can be notified" in again.text

    # Editing a draft saves it, and says so: nothing is notified.
    other = _create(live_url, kaz_token, status="draft", title="Synthetic test: second draft")
    form = kaz.get(f"/notifications/{other}/update").text
    assert "Save the draft" in form and "Notify the update" not in form
    saved = _post(kaz, f"/notifications/{other}/update", confirmed_cases="4")
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=draft_saved")
    assert _status(sessions, other) == "draft"
    notified = _post(kaz, f"/notifications/{other}/notify")
    assert notified.status_code == 303
    assert "Notified to the member states." in kaz.get(notified.headers["location"]).text
    assert _status(sessions, other) == "notified"
    assert rus.get(f"/notifications/{other}").status_code == 200

    # The API route does the same for systems: another state gets a 404 problem.
    third = _create(live_url, kaz_token, status="draft")
    rus_token = make_user(sessions, "sys-rus", "system", "RUS")
    problem = httpx.post(
        f"{live_url}{API}/{third}/discard", json={"reason": "no"}, headers=bearer(rus_token)
    )
    assert problem.status_code == 404
    ok = httpx.post(
        f"{live_url}{API}/{third}/discard", json={"reason": "no"}, headers=bearer(kaz_token)
    )
    assert ok.status_code == 200 and ok.json()["status"] == "discarded"


def test_a_count_not_reported_reads_so_and_stays_out_of_cap(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    kaz_token = make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    event_id = _create(live_url, kaz_token, suspected_cases=None, deaths=None)
    kaz = _sign_in(live_url, "fp-kaz")
    page = kaz.get(f"/notifications/{event_id}").text
    cell = re.search(r'id="count-probable_cases">(.*?)</td>', page, re.S)
    assert cell and "not reported" in cell.group(1) and "0" not in cell.group(1)
    confirmed = re.search(r'id="count-confirmed_cases">(.*?)</td>', page, re.S)
    assert confirmed and confirmed.group(1).strip() == "3"
    assert "нет данных" in kaz.get(f"/notifications/{event_id}?lang=ru").text
    assert "未报告" in kaz.get(f"/notifications/{event_id}?lang=zh").text
    # The update form leaves it empty rather than offering a 0.
    form = kaz.get(f"/notifications/{event_id}/update?lang=en").text
    assert re.search(r'id="probable_cases" name="probable_cases" type="number" value=""', form)
    cap = httpx.get(f"{live_url}{API}/{event_id}/cap", headers=bearer(kaz_token))
    caplib.validate(cap.content)
    names = [
        p.findtext(f"{CAP}valueName") for p in etree.fromstring(cap.content).iter(f"{CAP}parameter")
    ]
    assert "confirmed_cases" in names
    assert not {"probable_cases", "suspected_cases", "deaths"} & set(names)


def test_signal_pages_refuse_clearly(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    make_user(sessions, "obs-mng", "observer", "MNG", password=PASSWORD)
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    with read_session(sessions) as session:
        signal = detection.list_signals(session, principal=OPERATOR, limit=5).items[0]
    rus, kaz = _sign_in(live_url, "fp-rus"), _sign_in(live_url, "fp-kaz")
    listed = rus.get("/signals?state=KAZ&status=open")
    assert listed.status_code == 200 and f'href="/signals/{signal.id}"' in listed.text
    assert rus.get("/signals?status=dismissed").text.count('href="/signals/') == 0
    page = rus.get(f"/signals/{signal.id}").text
    assert 'id="confirm-signal"' not in page and "<svg" in page  # RUS reads, KAZ decides
    refused = _post(rus, f"/signals/{signal.id}/confirm")
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert rus.get("/signals/999999").status_code == 404
    observer = _sign_in(live_url, "obs-mng")
    assert observer.get("/signals").status_code == 403  # the members' data
    assert 'id="confirm-signal"' in kaz.get(f"/signals/{signal.id}").text
    blank = _post(kaz, f"/signals/{signal.id}/dismiss", reason=" ")
    assert blank.status_code == 422 and "reason" in blank.text
    with read_session(sessions) as session:
        assert detection.get(session, principal=OPERATOR, signal_id=signal.id).status == "open"
    bad_cursor = rus.get("/signals?after=not-a-cursor")
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.text
