"""Publishing is part of the caller's transaction; fan-out and subscription rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.members import accounts
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox.models import Delivery, OutboxMessage
from epibridge.notifications.outbox.schemas import SubscriptionCreate, SubscriptionUpdate
from epibridge.notifications.outbox.service import (
    create_subscription,
    get_subscription,
    publish,
    update_subscription,
)
from epibridge.security import PermissionDenied, Visibility
from tests.helpers import OPERATOR, make_user


def _count(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_published_message_is_committed_with_the_change(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        message = publish(
            session,
            actor="user:fp-kaz",
            topic="notification.notified",
            entity="event",
            entity_id=7,
            payload={"title": "Cholera cluster", "onset": date(2024, 5, 1)},
            visibility=Visibility.PARTNERS,
            states=["RUS", "KGZ", "RUS"],
            exercise=True,
        )
    with read_session(sessions) as session:
        stored = session.get(OutboxMessage, message.id)
    assert stored is not None
    assert stored.payload == {"title": "Cholera cluster", "onset": "2024-05-01"}
    assert stored.states == ["KGZ", "RUS"] and stored.exercise and stored.visibility == "partners"
    assert stored.fanned_out_at is None and len(stored.id) == 36


def test_rolled_back_change_leaves_no_message(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), write_session(sessions) as session:
        publish(session, actor="t", topic="x.y", entity="e", entity_id=1, payload={"a": 1})
        raise RuntimeError("the change failed after publishing")
    assert _count(sessions) == 0


def test_fan_out_applies_visibility_filters_and_is_atomic(
    sessions: sessionmaker[Session],
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    make_user(sessions, "obs-mng", "observer", "MNG")

    def subscribe(owner: str, **fields: object) -> int:
        with write_session(sessions) as session:
            sub, _ = create_subscription(
                session,
                actor=OPERATOR,
                data=SubscriptionCreate(
                    owner=owner, kind="email", email=f"{owner}@example.org", **fields
                ),  # type: ignore[arg-type]
            )
        return sub.id

    everything = subscribe("fp-kaz")
    observer = subscribe("obs-mng")
    borders_only = subscribe("fp-kaz", topics=["border."])
    rus_only = subscribe("fp-kaz", states=["RUS"])
    no_drills = subscribe("fp-kaz", include_exercises=False)

    def message(topic: str, visibility: Visibility, *, exercise: bool = False, **kw: object) -> str:
        with write_session(sessions) as session:
            return publish(
                session,
                actor="t",
                topic=topic,
                entity="e",
                entity_id=1,
                payload={"event": {"title": "synthetic", "state": "KAZ"}},
                visibility=visibility,
                exercise=exercise,
                **kw,  # type: ignore[arg-type]
            ).id

    members = message("notification.notified", Visibility.MEMBERS)
    partners_rus = message("border.status_changed", Visibility.PARTNERS, states=["RUS"])
    drill = message("notification.notified", Visibility.PUBLIC, exercise=True)
    with write_session(sessions) as session:
        assert deliveries.fan_out(session) == (3, 9)
    with write_session(sessions) as session:
        assert deliveries.fan_out(session) == (0, 0)  # each message is fanned out once
    with read_session(sessions) as session:
        pairs = {
            (d.subscription_id, d.message_id) for d in session.execute(select(Delivery)).scalars()
        }
    assert pairs == {
        (everything, members),
        (everything, partners_rus),
        (everything, drill),
        (observer, partners_rus),
        (observer, drill),
        (borders_only, partners_rus),
        (rus_only, partners_rus),
        (no_drills, members),
        (no_drills, partners_rus),
    }


def test_only_the_owner_or_an_admin_manages_a_subscription(
    sessions: sessionmaker[Session],
) -> None:
    for name, role, state in (
        ("fp-kaz", "focal_point", "KAZ"),
        ("fp-rus", "focal_point", "RUS"),
        ("admin", "admin", None),
    ):
        make_user(sessions, name, role, state)
    with read_session(sessions) as session:
        kaz, rus, admin = (
            accounts.principal_of(accounts.get_user(session, name=n))
            for n in ("fp-kaz", "fp-rus", "admin")
        )
    with write_session(sessions) as session:
        sub, secret = create_subscription(
            session, actor=kaz, data=SubscriptionCreate(kind="webhook", url="http://h.example/x")
        )
    assert secret and sub.owner_name == "fp-kaz"
    with pytest.raises(PermissionDenied), read_session(sessions) as session:
        get_subscription(session, actor=rus, subscription_id=sub.id)
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        update_subscription(
            session, actor=rus, subscription_id=sub.id, data=SubscriptionUpdate(active=False)
        )
    with write_session(sessions) as session:
        updated = update_subscription(
            session, actor=admin, subscription_id=sub.id, data=SubscriptionUpdate(active=False)
        )
    assert updated.active is False


def test_resuming_a_paused_subscription_gives_held_deliveries_a_new_window(
    sessions: sessionmaker[Session],
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with write_session(sessions) as session:
        sub, _ = create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner="fp-kaz", kind="email", email="duty@example.org"),
        )
        publish(
            session,
            actor="t",
            topic="notification.notified",
            entity="e",
            entity_id=1,
            payload={"title": "synthetic"},
        )
        deliveries.fan_out(session)
        update_subscription(
            session, actor=OPERATOR, subscription_id=sub.id, data=SubscriptionUpdate(active=False)
        )
        session.execute(sa_update(Delivery).values(window_start=utcnow() - timedelta(hours=30)))
    with read_session(sessions) as session:
        assert not deliveries.has_work(session)  # a paused subscription costs no write lock
        assert deliveries.claim(session, worker_id="w", limit=5, lease=timedelta(minutes=1)) == []
    with write_session(sessions) as session:
        update_subscription(
            session, actor=OPERATOR, subscription_id=sub.id, data=SubscriptionUpdate(active=True)
        )
    with read_session(sessions) as session:
        held = session.execute(select(Delivery)).scalar_one()
    assert held.status == "pending" and utcnow() - held.window_start < timedelta(minutes=5)
