"""The worker and real local receivers: signatures, retries, hangs, e-mail, dead letters."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.members import accounts
from epibridge.notifications.outbox import dead_letters, deliveries
from epibridge.notifications.outbox.models import Delivery, Subscription
from epibridge.notifications.outbox.schemas import SubscriptionCreate
from epibridge.notifications.outbox.service import create_subscription, publish
from epibridge.notifications.outbox.worker import Worker, WorkerOptions
from epibridge.security import PermissionDenied, Visibility
from epibridge.settings import Settings
from tests.helpers import OPERATOR, make_user
from tests.notifications.outbox.conftest import loopback
from tests.notifications.outbox.receivers import Receiver, http_receiver, smtp_server

FAST = WorkerOptions(batch=50, concurrency=4, connect_timeout=1, read_timeout=1, poll=0.05)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def subscribe(sessions: sessionmaker[Session], owner: str, **fields: object) -> tuple[int, str]:
    with write_session(sessions) as session:
        sub, secret = create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner=owner, **fields),  # type: ignore[arg-type]
            allow_networks=loopback(),
        )
    return sub.id, secret or ""


def notify(
    sessions: sessionmaker[Session],
    title: str,
    *,
    visibility: Visibility = Visibility.MEMBERS,
    exercise: bool = False,
    state: str = "KAZ",
) -> str:
    with write_session(sessions) as session:
        message = publish(
            session,
            actor="user:fp-kaz",
            topic="notification.notified",
            entity="notification",
            entity_id=title,
            payload={
                "title": title,
                "state": state,
                "disease": "A00",
                "suspected_cases": 12,
                "confirmed_cases": 3,
                "deaths": 1,
                "synthetic": True,
            },
            visibility=visibility,
            exercise=exercise,
        )
    return message.id


def statuses(sessions: sessionmaker[Session]) -> dict[tuple[int, str], Delivery]:
    with read_session(sessions) as session:
        rows = session.execute(select(Delivery)).scalars().all()
    return {(d.subscription_id, d.message_id): d for d in rows}


def test_webhooks_are_signed_and_reach_every_subscriber(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    make_user(sessions, "fp-rus", "focal_point", "RUS")
    make_user(sessions, "obs-mng", "observer", "MNG")
    with http_receiver() as receiver:
        fp_sub, fp_secret = subscribe(
            sessions, "fp-kaz", kind="webhook", url=receiver.url("/ok/fp")
        )
        rus_sub, rus_secret = subscribe(
            sessions, "fp-rus", kind="webhook", url=receiver.url("/ok/rus")
        )
        # Observers hold no webhooks (docs/delivery.md); one made before that rule gets nothing.
        with pytest.raises(PermissionDenied):
            subscribe(sessions, "obs-mng", kind="webhook", url=receiver.url("/ok/obs"))
        with write_session(sessions) as session:
            legacy = Subscription(
                owner_user_id=accounts.get_user(session, name="obs-mng").id,
                owner_name="obs-mng",
                kind="webhook",
                url=receiver.url("/ok/obs"),
                language="en",
                secret="whsec_legacy",
                topics=[],
                states=[],
                include_exercises=True,
                active=True,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(legacy)
        members_only = notify(sessions, "Members-only cholera cluster (synthetic)")
        shared = notify(
            sessions, "Shared drill (synthetic)", visibility=Visibility.PARTNERS, exercise=True
        )
        stats = Worker(sessions, settings, FAST).run(once=True)
        assert stats.delivered == 4 and stats.dead == 0
        fp = receiver.on("/ok/fp")
        rus = receiver.on("/ok/rus")
        assert receiver.on("/ok/obs") == []
    assert {r.headers["x-epibridge-id"] for r in fp} == {members_only, shared}
    assert {r.headers["x-epibridge-id"] for r in rus} == {members_only, shared}
    assert all(r.signature_valid(fp_secret) for r in fp)
    assert all(r.signature_valid(rus_secret) and not r.signature_valid(fp_secret) for r in rus)
    for item in fp + rus:
        body = item.json
        assert body["id"] == item.headers["x-epibridge-id"]
        exercise = body["id"] == shared
        assert body["exercise"] is exercise
        assert item.headers["x-epibridge-exercise"] == ("true" if exercise else "false")
    delivered = statuses(sessions)
    assert {d.status for d in delivered.values()} == {"delivered"}
    assert (rus_sub, members_only) in delivered and (fp_sub, members_only) in delivered
    assert all(d.subscription_id != legacy.id for d in delivered.values())


def test_retry_then_success_and_permanent_refusal(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver() as receiver:
        flaky, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/flaky/a"))
        refusing, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/reject/b"))
        message = notify(sessions, "Measles (synthetic)")
        Worker(sessions, settings, FAST).run(once=True)
        first = statuses(sessions)
        assert first[(flaky, message)].status == "retrying"
        assert first[(flaky, message)].last_status_code == 503
        assert first[(flaky, message)].next_attempt_at > first[(flaky, message)].last_attempt_at  # type: ignore[operator]
        # 4xx other than 408/429 is not retried: straight to the dead letters.
        assert first[(refusing, message)].status == "dead"
        assert first[(refusing, message)].attempts == 1
        # Time moves on: the retry is due now.
        with write_session(sessions) as session:
            session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        Worker(sessions, settings, FAST).run(once=True)
        second = statuses(sessions)
        assert len(receiver.on("/flaky/a")) == 2 and len(receiver.on("/reject/b")) == 1
    assert second[(flaky, message)].status == "delivered"
    assert second[(flaky, message)].attempts == 2


def test_backoff_grows_with_jitter_and_stays_capped() -> None:
    import random

    rng = random.Random(7)
    delays = [deliveries.backoff(n, rng).total_seconds() for n in range(1, 20)]
    assert 1 <= delays[0] <= 2 and 2 <= delays[1] <= 4 and 4 <= delays[2] <= 8
    assert max(delays) <= 3600 and delays[-1] >= 1800


def test_hanging_endpoint_does_not_hold_up_the_others(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver(hang=4.0) as receiver:
        hang, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/hang/x"))
        oks = [
            subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url(f"/ok/{i}"))[0]
            for i in range(3)
        ]
        messages = [notify(sessions, f"Event {i} (synthetic)") for i in range(3)]
        Worker(sessions, settings, FAST).run(once=True)
        hung = receiver.on("/hang/x")
        ok_receipts = [r for r in receiver.received if r.path.startswith("/ok/")]
    rows = statuses(sessions)
    assert len(ok_receipts) == 9 and len(hung) >= 1
    # Every other subscriber had its messages while the hanging requests were still open: each
    # arrived before the receiver answered any hanging request (an order of events, not a
    # duration; an unanswered one is still open).
    first_answer = min((h.finished_at for h in hung if h.finished_at), default=float("inf"))
    assert max(r.at for r in ok_receipts) < first_answer
    for sub in oks:
        for message in messages:
            assert rows[(sub, message)].status == "delivered"
    for message in messages:
        stuck = rows[(hang, message)]
        assert stuck.status == "retrying" and stuck.last_error == "timeout"
        assert rows[(oks[0], message)].delivered_at < stuck.last_attempt_at  # type: ignore[operator]


class _SlowPollWorker(Worker):
    """A worker whose idle poll (a read on the database thread) lasts until its one in-flight
    send has been answered and handed back to the event loop: the interleaving that a
    ``--once`` worker met by chance when a send finished during a tick."""

    def __init__(self, *args: Any, receiver: Receiver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receiver = receiver
        self.waited = False

    def _has_work(self) -> bool:
        if not self.waited and self.receiver.count() >= 1:
            self.waited = True
            assert wait_until(lambda: self.receiver.received[0].finished_at > 0, 10)
            time.sleep(0.3)  # the event loop reads the answer meanwhile
        return super()._has_work()


def test_once_worker_records_sends_that_finish_during_a_tick(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver(slow=0.2) as receiver:
        sub, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/slow/x"))
        message = notify(sessions, "Anthrax (synthetic)")
        worker = _SlowPollWorker(sessions, settings, FAST, receiver=receiver)
        stats = worker.run(once=True)
        assert worker.waited and len(receiver.on("/slow/x")) == 1
    # Before the fix the worker left with the answer unrecorded: the delivery stayed claimed
    # and pending, to be sent a second time when the lease ran out.
    assert stats.delivered == 1
    assert statuses(sessions)[(sub, message)].status == "delivered"


def test_dead_after_24_hours_of_failures_then_replay(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver() as receiver:
        sub, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/flaky/z"))
        message = notify(sessions, "Plague (synthetic)")
        with write_session(sessions) as session:
            deliveries.fan_out(session)
            # The delivery has been failing since 25 hours ago (time driven through the DB).
            session.execute(update(Delivery).values(window_start=utcnow() - timedelta(hours=25)))
        Worker(sessions, settings, FAST).run(once=True)
        dead = statuses(sessions)[(sub, message)]
        assert dead.status == "dead" and dead.dead_at is not None and dead.attempts == 1
        with read_session(sessions) as session:
            listed = dead_letters.list_deliveries(session, actor=OPERATOR, status="dead").items
        assert [d.id for d in listed] == [dead.id]
        with write_session(sessions) as session:
            assert dead_letters.replay(session, actor=OPERATOR, delivery_id=dead.id) == 1
        Worker(sessions, settings, FAST).run(once=True)
        assert len(receiver.on("/flaky/z")) == 2
    replayed = statuses(sessions)[(sub, message)]
    assert replayed.status == "delivered" and replayed.dead_at is None


def test_email_in_three_languages_with_exercise_marking(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with smtp_server() as mailbox:
        for language in ("en", "ru", "zh"):
            subscribe(
                sessions, "fp-kaz", kind="email", email=f"{language}@example.org", language=language
            )
        notify(sessions, "Холера в Алматы / 阿拉木图霍乱 (synthetic)", exercise=True)
        smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port})
        stats = Worker(sessions, smtp, FAST).run(once=True)
        assert stats.delivered == 3
        by_to = {str(m["To"]): m for m in mailbox.messages}
        raw = [bytes(e.content) for e in mailbox.envelopes]
    # Non-ASCII subjects travel as RFC 2047 encoded UTF-8 words.
    assert all(b"Subject: [EXERCISE] " in r and b"=?utf-8?" in r for r in raw)
    assert set(by_to) == {"en@example.org", "ru@example.org", "zh@example.org"}
    expected = {
        "en": ("[EXERCISE] Event notified — KAZ: Холера", "Confirmed cases: 3"),
        "ru": ("[EXERCISE] Уведомление о событии — KAZ: Холера", "Подтверждённые случаи: 3"),
        "zh": ("[EXERCISE] 事件通报 — KAZ: Холера", "确诊病例：3"),
    }
    for language, (subject_start, count_line) in expected.items():
        email = by_to[f"{language}@example.org"]
        assert str(email["Subject"]).startswith(subject_start)
        assert "阿拉木图霍乱" in str(email["Subject"])
        assert email["X-Epibridge-Exercise"] == "true"
        body = email.get_content()
        assert count_line in body and "A00" in body
        assert "/api/v1/notifications/" in body
    assert "EXERCISE" in by_to["en@example.org"].get_content()
    assert "УЧЕНИЯ" in by_to["ru@example.org"].get_content()
    assert "演练" in by_to["zh@example.org"].get_content()
