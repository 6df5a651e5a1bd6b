"""Subscriptions, dead letters and feeds over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
from lxml import etree
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow, write_session
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox.models import Delivery
from epibridge.notifications.outbox.service import publish
from epibridge.security import Visibility
from tests.helpers import bearer, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def _publish(
    sessions: sessionmaker[Session], title: str, visibility: Visibility, exercise: bool = False
) -> str:
    with write_session(sessions) as session:
        return publish(
            session,
            actor="user:fp-kaz",
            topic="notification.notified",
            entity="notification",
            entity_id=1,
            payload={"event": {"title": title, "state": "KAZ", "counts": {"deaths": 0}}},
            visibility=visibility,
            exercise=exercise,
        ).id


def test_subscriptions_belong_to_their_owner(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    other = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    admin = bearer(make_user(sessions, "admin", "admin"))
    api = f"{live_url}/api/v1/subscriptions"
    created = httpx.post(
        api,
        headers=fp,
        json={"kind": "webhook", "url": "https://example.org/hook", "topics": ["notification."]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["owner"] == "fp-kaz"
    sub = body["id"]
    shown = httpx.get(f"{api}/{sub}", headers=fp).json()
    assert "secret" not in shown and shown["topics"] == ["notification."]
    assert httpx.get(f"{api}/{sub}", headers=other).status_code == 403
    assert httpx.patch(f"{api}/{sub}", headers=other, json={"active": False}).status_code == 403
    assert httpx.get(api, headers=other).json()["items"] == []
    assert [s["id"] for s in httpx.get(api, headers=fp).json()["items"]] == [sub]
    assert httpx.get(api, headers=admin, params={"owner": "fp-kaz"}).json()["items"][0]["id"] == sub
    # Only an administrator subscribes someone else.
    assert (
        httpx.post(
            api, headers=other, json={"kind": "email", "email": "a@b.org", "owner": "fp-kaz"}
        ).status_code
        == 403
    )
    paused = httpx.patch(f"{api}/{sub}", headers=fp, json={"active": False, "states": ["rus"]})
    assert paused.status_code == 200 and paused.json()["states"] == ["RUS"]
    assert httpx.delete(f"{api}/{sub}", headers=admin).status_code == 204
    assert httpx.get(f"{api}/{sub}", headers=fp).status_code == 404
    assert httpx.get(api, headers={}).status_code == 401


def test_invalid_subscriptions_name_the_field_and_write_nothing(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    api = f"{live_url}/api/v1/subscriptions"
    cases = [
        ({"kind": "webhook", "url": "ftp://example.org/x"}, "url"),
        ({"kind": "webhook", "url": "http://user:pw@example.org/"}, "url"),
        ({"kind": "webhook"}, "url"),
        ({"kind": "email", "email": "not an address"}, "email"),
        ({"kind": "email", "email": "a@b.org", "language": "fr"}, "language"),
        ({"kind": "email", "email": "a@b.org", "states": ["XYZ"]}, "states[0]"),
        ({"kind": "email", "email": "a@b.org", "topics": ["Bad Topic"]}, "topics[0]"),
        ({"kind": "sms"}, "kind"),
    ]
    for body, field in cases:
        response = httpx.post(api, headers=fp, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert httpx.get(api, headers=fp).json()["items"] == []


def test_dead_letters_listed_and_replayed_over_http(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    other = bearer(make_user(sessions, "fp-rus", "focal_point", "RUS"))
    sub = httpx.post(
        f"{live_url}/api/v1/subscriptions",
        headers=fp,
        json={"kind": "webhook", "url": "http://127.0.0.1:9/unreachable"},
    ).json()["id"]
    _publish(sessions, "Dengue (synthetic)", Visibility.MEMBERS)
    with write_session(sessions) as session:
        deliveries.fan_out(session)
        session.execute(
            update(Delivery).values(
                status="dead", dead_at=utcnow(), window_start=utcnow() - timedelta(hours=25)
            )
        )
    dead = httpx.get(f"{live_url}/api/v1/deliveries/dead", headers=fp).json()["items"]
    assert len(dead) == 1 and dead[0]["subscription_id"] == sub
    assert httpx.get(f"{live_url}/api/v1/deliveries/dead", headers=other).json()["items"] == []
    assert (
        httpx.post(f"{live_url}/api/v1/deliveries/{dead[0]['id']}/replay", headers=other)
    ).status_code == 404
    replayed = httpx.post(f"{live_url}/api/v1/deliveries/{dead[0]['id']}/replay", headers=fp)
    assert replayed.status_code == 200 and replayed.json() == {"replayed": 1}
    again = httpx.post(f"{live_url}/api/v1/deliveries/{dead[0]['id']}/replay", headers=fp)
    assert again.status_code == 409
    pending = httpx.get(
        f"{live_url}/api/v1/deliveries", headers=fp, params={"status": "pending"}
    ).json()["items"]
    assert [d["id"] for d in pending] == [dead[0]["id"]]


def test_feeds_per_audience(live_url: str, sessions: sessionmaker[Session]) -> None:
    fp = bearer(make_user(sessions, "fp-kaz", "focal_point", "KAZ"))
    observer = bearer(make_user(sessions, "obs-mng", "observer", "MNG"))
    members = _publish(sessions, "Members only (synthetic)", Visibility.MEMBERS)
    partners = _publish(sessions, "Partners (synthetic)", Visibility.PARTNERS)
    public = _publish(sessions, "Public drill (synthetic)", Visibility.PUBLIC, exercise=True)
    feeds = f"{live_url}/api/v1/feeds"

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/atom+xml")
        root = etree.fromstring(response.content)
        return [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]

    # Newest first.
    assert ids(httpx.get(f"{feeds}/members.atom", headers=fp)) == [
        f"urn:uuid:{public}",
        f"urn:uuid:{partners}",
        f"urn:uuid:{members}",
    ]
    assert ids(httpx.get(f"{feeds}/partners.atom", headers=observer)) == [
        f"urn:uuid:{public}",
        f"urn:uuid:{partners}",
    ]
    public_feed = httpx.get(f"{feeds}/public.atom")
    assert ids(public_feed) == [f"urn:uuid:{public}"]
    root = etree.fromstring(public_feed.content)
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}title").startswith("[EXERCISE]")  # type: ignore[union-attr]
    assert "exercise" in [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert httpx.get(f"{feeds}/members.atom").status_code == 401
    assert httpx.get(f"{feeds}/members.atom", headers=observer).status_code == 403
