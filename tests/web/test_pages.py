"""The pages over real HTTP, on both backends: sign-in (CSRF, lockout, sign-out), the cookie
as API credential, visibility, a label for every control, and the weight of every page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import bearer, make_user

PASSWORD = "correct-horse-1"


class _Controls(HTMLParser):
    """Collect form controls, labels and the assets a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.assets: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a["href"] or "")
        if tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"] or "")


def _parse(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def _sign_in(base: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"csrf_token": token, "name": name, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def test_sign_in_csrf_lockout_and_sign_out(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    anonymous = httpx.Client(base_url=live_url)
    assert anonymous.get("/notifications").status_code == 303  # to /login
    login = anonymous.get("/login")
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "eb_session=" in cookie

    # No or a wrong CSRF token: refused before the password is even looked at.
    refused = anonymous.post("/login", data={"name": "fp-kaz", "password": PASSWORD})
    assert refused.status_code == 403
    other = httpx.post(
        f"{live_url}/login", data={"csrf_token": _csrf(login.text), "name": "fp-kaz"}
    )
    assert other.status_code == 403  # a token without its cookie is worth nothing

    token = _csrf(login.text)
    wrong = anonymous.post("/login", data={"csrf_token": token, "name": "fp-kaz", "password": "x"})
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text

    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/notifications")
    assert page.status_code == 200 and "fp-kaz" in page.text
    # The sign-in gave a new CSRF token: the anonymous one no longer works.
    assert _csrf(page.text) != token
    out = client.post("/logout", data={"csrf_token": _csrf(page.text)})
    assert out.status_code == 303
    assert client.get("/notifications").status_code == 303

    # Five failures lock the account, even with the right password afterwards; the locked
    # account answers exactly as a wrong password does (nothing tells a guesser it is locked).
    attacker = httpx.Client(base_url=live_url)
    token = _csrf(attacker.get("/login").text)
    for _ in range(5):
        bad = attacker.post(
            "/login", data={"csrf_token": token, "name": "fp-kaz", "password": "bad"}
        )
    locked = attacker.post(
        "/login", data={"csrf_token": token, "name": "fp-kaz", "password": PASSWORD}
    )
    assert locked.status_code == bad.status_code == 401
    assert locked.text == bad.text


def test_cookie_is_an_api_credential_with_csrf_header(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    rus = make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    created = httpx.post(
        f"{live_url}/api/v1/notifications",
        headers=bearer(rus),
        json={"title": "Plague suspicion", "disease": "A20", "onset_date": "2026-11-01"},
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    client = _sign_in(live_url, "fp-kaz")
    assert client.get("/api/v1/notifications").json()["items"][0]["id"] == event_id
    csrf = _csrf(client.get("/").text)
    path = f"/api/v1/notifications/{event_id}/acknowledgements"
    assert client.post(path).status_code == 403  # cookie without the CSRF header
    assert client.post(path, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(path, headers={"X-CSRF-Token": csrf}).status_code == 201
    # The Secretariat notifies through the form on a state's behalf; the timeline says so.
    make_user(sessions, "secretariat", "secretariat", password=PASSWORD)
    secretariat = _sign_in(live_url, "secretariat")
    form = secretariat.get("/notifications/new")
    assert 'id="state"' in form.text
    created_page = secretariat.post(
        "/notifications/new",
        data={
            "csrf_token": _csrf(form.text),
            "state": "KAZ",
            "title": "Anthrax in livestock workers",
            "disease": "A22",
            "onset_date": "2026-11-10",
            "confirmed_cases": "2",
            "serious_impact": "yes",
            "unusual": "",
        },
    )
    assert created_page.status_code == 303, created_page.text
    event_page = secretariat.get(created_page.headers["location"])
    assert "Anthrax in livestock workers" in event_page.text
    assert "on behalf of the state" in event_page.text and "Kazakhstan" in event_page.text
    # A form with a bad field comes back with the field named, nothing written.
    bad = secretariat.post(
        "/notifications/new",
        data={"csrf_token": _csrf(form.text), "state": "KAZ", "title": "x", "disease": "Z99"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    # Without a cookie or token the API still refuses.
    assert httpx.get(f"{live_url}/api/v1/notifications").status_code == 401


def test_every_page_labels_its_controls_and_stays_light(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    kaz = make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    created = httpx.post(
        f"{live_url}/api/v1/notifications",
        headers=bearer(kaz),
        json={
            "title": "Members-only cholera cluster",
            "disease": "A00",
            "onset_date": "2026-11-01",
            "confirmed_cases": 3,
        },
    )
    event_id = created.json()["id"]
    client = _sign_in(live_url, "fp-kaz")
    pages = [
        "/",
        "/states",
        "/notifications",
        "/notifications/new",
        f"/notifications/{event_id}",
        f"/notifications/{event_id}/update",
        "/data/curve",
        "/data/import",
    ]
    for lang in ("en", "ru", "zh"):
        for path in [*pages, "/login"]:
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, response.text[:500])
            parsed = _parse(response.text)
            assert parsed.html_lang == lang
            for control in parsed.controls:
                labelled = control.get("id") in parsed.labels or control.get("aria-label")
                assert labelled, f"{path}: control {control} has no label"
            weight = len(response.content)
            for asset in parsed.assets:
                assert asset.startswith("/"), f"{path} loads {asset} from elsewhere"
                fetched = client.get(asset)
                assert fetched.status_code == 200
                weight += len(fetched.content)
            assert weight < 500_000, f"{path} weighs {weight} bytes"
    # A curve with no data says so; its CSV has the export's header.
    empty = client.get("/data/curve", params={"state": "KAZ", "disease": "A00", "lang": "en"})
    assert empty.status_code == 200 and "No data for this choice." in empty.text
    csv = client.get("/data/curve.csv", params={"state": "KAZ", "disease": "A00"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("state,period_start,period_end,value")
    client.get("/", params={"lang": "zh"})
    # The remembered choice: a later request without ?lang stays in Chinese.
    assert 'lang="zh"' in client.get("/").text
    assert "Members-only cholera cluster" in client.get("/notifications").text

    # The notifying state closes the event from its page; the reason shows.
    page = client.get(f"/notifications/{event_id}")
    closed = client.post(
        f"/notifications/{event_id}/close",
        data={"csrf_token": _csrf(page.text), "kind": "ended", "reason": "No new case in 30 days."},
    )
    assert closed.status_code == 303
    page = client.get(f"/notifications/{event_id}").text
    assert "No new case in 30 days." in page
    assert f'action="/notifications/{event_id}/close"' not in page  # closed: no second close

    # An observer sees neither the members-only event nor its page, nor the members' data.
    observer = _sign_in(live_url, "observer-mng")
    home = observer.get("/", params={"lang": "en"}).text
    assert "Epidemic curves" not in home and "Import data" not in home
    assert observer.get("/data/curve").status_code == 403
    assert observer.get("/data/import").status_code == 403
    assert "Members-only cholera cluster" not in observer.get("/notifications").text
    assert observer.get(f"/notifications/{event_id}").status_code in (403, 404)
    assert "Members-only cholera cluster" not in observer.get("/").text
    # The map shades each state by its status on the chosen date.
    today = client.get("/", params={"lang": "en"}).text
    assert '<path d="' in today and re.search(r'class="c member"><title>India', today)
    before = client.get("/", params={"on": "2016-01-01"}).text
    assert re.search(r'class="c observer"><title>India', before)
    assert re.search(r'class="c member"><title>Kazakhstan', before)
    assert re.search(r'class="c observer"><title>Belarus', before)
    assert re.search(r'class="c member"><title>Belarus', today)
    assert re.search(
        r'class="c dialogue_partner"><title>Belarus', client.get("/?on=2010-01-01").text
    )
    # Visitors see the map and the states, nothing else.
    anonymous = httpx.get(f"{live_url}/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert 'lang="ru"' in anonymous.text and "Казахстан" in anonymous.text
    assert "Members-only" not in anonymous.text
