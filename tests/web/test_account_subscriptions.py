"""A person's own subscriptions over real HTTP, on both backends: each account sees and changes
only its own, a webhook reaches only an allowed address, and a bad field is named."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.members import accounts
from epibridge.notifications.outbox import service as outbox
from epibridge.notifications.outbox.models import Subscription
from epibridge.notifications.outbox.schemas import SubscriptionCreate
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in


def _fields(html: str) -> list[str]:
    return re.findall(r"<li><strong>([^<]+)</strong>", html)


def _rows(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, bool, bool]]:
    with read_session(sessions) as session:
        return [
            (s.owner_name, s.url or s.email, s.active, s.deleted_at is None)
            for s in session.execute(select(Subscription).order_by(Subscription.id)).scalars()
        ]


def test_each_account_sees_and_changes_only_its_own_subscriptions(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    with write_session(sessions) as session:
        rus = accounts.principal_of(accounts.get_user(session, name="fp-rus"))
        theirs, _ = outbox.create_subscription(
            session,
            actor=rus,
            data=SubscriptionCreate(kind="email", email="ihr-desk@rus.example"),
        )
        theirs_id = theirs.id
    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/account/subscriptions")
    assert page.status_code == 200
    assert "ihr-desk@rus.example" not in page.text and "You have no subscription yet." in page.text
    csrf = _csrf(page.text)
    added = client.post(
        "/account/subscriptions",
        data={
            "csrf_token": csrf,
            "kind": "email",
            "email": "ihr@kaz.example",
            "language": "ru",
            "topics": ["notification.", "border."],
            "states": ["KAZ", "CHN"],
        },
    )
    assert added.status_code == 201, added.text[:400]
    assert "ihr@kaz.example" in added.text and "ihr-desk@rus.example" not in added.text
    with read_session(sessions) as session:
        mine = session.execute(
            select(Subscription).where(Subscription.owner_name == "fp-kaz")
        ).scalar_one()
        assert (mine.kind, mine.language, mine.topics, mine.states) == (
            "email",
            "ru",
            ["border.", "notification."],
            ["CHN", "KAZ"],
        )
        assert mine.include_exercises is False  # the box was not ticked
    # Another account's subscription cannot be paused, resumed or deleted from here.
    for action in ("pause", "resume", "delete"):
        refused = client.post(
            f"/account/subscriptions/{theirs_id}/{action}?lang=zh", data={"csrf_token": csrf}
        )
        assert refused.status_code == 403, (action, refused.status_code)
        assert "无权操作" in refused.text
    missing = client.post("/account/subscriptions/999999/delete", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert ("fp-rus", "ihr-desk@rus.example", True, True) in _rows(sessions)
    # Its own: paused, resumed, deleted.
    assert (
        client.post(
            f"/account/subscriptions/{mine.id}/pause", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert ("fp-kaz", "ihr@kaz.example", False, True) in _rows(sessions)
    assert (
        client.post(
            f"/account/subscriptions/{mine.id}/resume", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/account/subscriptions/{mine.id}/delete", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert ("fp-kaz", "ihr@kaz.example", False, False) in _rows(sessions)
    assert "ihr@kaz.example" not in client.get("/account/subscriptions").text
    # Without the CSRF token nothing happens.
    assert client.post(f"/account/subscriptions/{theirs_id}/delete").status_code == 403


def test_bad_subscriptions_name_the_field(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "obs-mng", "observer", "MNG", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    csrf = _csrf(client.get("/account/subscriptions").text)
    cases = [
        ({"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, "url"),  # not opened here
        ({"kind": "webhook", "url": "http://10.1.2.3/hook"}, "url"),
        ({"kind": "webhook", "url": "ftp://example.org/hook"}, "url"),
        ({"kind": "webhook", "url": ""}, "url"),
        ({"kind": "email", "email": "not-an-address"}, "email"),
        ({"kind": "email", "email": "a@b.example", "states": ["ZZZ"]}, "states[0]"),
        ({"kind": "email", "email": "a@b.example", "language": "fr"}, "language"),
        ({"kind": "pigeon"}, "kind"),
    ]
    for data, field in cases:
        refused = client.post("/account/subscriptions", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422, (data, refused.status_code)
        assert field in _fields(refused.text), (data, _fields(refused.text))
    # The address typed stays in the form that was refused.
    kept = client.post(
        "/account/subscriptions",
        data={"csrf_token": csrf, "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    assert 'value="http://127.0.0.1:9/hook"' in kept.text
    assert _rows(sessions) == []
    # An observer is offered no webhook and refused one.
    observer = _sign_in(live_url, "obs-mng")
    page = observer.get("/account/subscriptions")
    assert "Add a webhook" not in page.text and "Add an e-mail subscription" in page.text
    assert "/api/v1/feeds/partners.atom" in page.text and "members.atom" not in page.text
    refused = observer.post(
        "/account/subscriptions",
        data={"csrf_token": _csrf(page.text), "kind": "webhook", "url": "https://example.org/h"},
    )
    assert refused.status_code == 403
    assert _rows(sessions) == []
