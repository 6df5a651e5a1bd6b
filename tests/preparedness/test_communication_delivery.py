"""A communication test through the real worker to a real SMTP server and a real webhook
receiver: every focal point's subscriptions get it (topic filters notwithstanding), marked TEST
in the subject, the body, the payload; the Secretariat's and an observer's get nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.notifications.outbox.schemas import SubscriptionCreate
from epibridge.notifications.outbox.service import create_subscription
from epibridge.notifications.outbox.worker import Worker, WorkerOptions
from epibridge.preparedness import service
from epibridge.preparedness.schemas import CommunicationTestCreate
from epibridge.settings import Settings
from tests.helpers import OPERATOR, make_user
from tests.notifications.factory import SECRETARIAT
from tests.notifications.outbox.conftest import loopback
from tests.notifications.outbox.receivers import http_receiver, smtp_server

FAST = WorkerOptions(batch=50, concurrency=4, connect_timeout=1, read_timeout=1, poll=0.05)


def _subscribe(sessions: sessionmaker[Session], owner: str, **fields: object) -> str:
    with write_session(sessions) as session:
        _, secret = create_subscription(
            session,
            actor=OPERATOR,
            data=SubscriptionCreate(owner=owner, **fields),  # type: ignore[arg-type]
            allow_networks=loopback(),
        )
    return secret or ""


def test_the_test_reaches_every_focal_point_by_mail_and_webhook(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    for name, role, state in (
        ("fp-kaz", "focal_point", "KAZ"),
        ("fp-rus", "focal_point", "RUS"),
        ("sec-duty", "secretariat", None),
        ("obs-mng", "observer", "MNG"),
    ):
        make_user(sessions, name, role, state)
    with http_receiver() as receiver, smtp_server() as mailbox:
        kaz_secret = _subscribe(
            sessions, "fp-kaz", kind="webhook", url=receiver.url("/ok/kaz"), topics=["border."]
        )
        _subscribe(sessions, "fp-rus", kind="webhook", url=receiver.url("/ok/rus"), states=["CHN"])
        _subscribe(sessions, "sec-duty", kind="webhook", url=receiver.url("/ok/sec"))
        for owner, language in (("fp-kaz", "ru"), ("fp-rus", "zh"), ("obs-mng", "en")):
            _subscribe(
                sessions, owner, kind="email", email=f"{owner}@example.org", language=language
            )
        with write_session(sessions) as session:
            test = service.launch(session, actor=SECRETARIAT, data=CommunicationTestCreate())
            test_id = test.id
        smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port})
        stats = Worker(sessions, smtp, FAST).run(once=True)
        assert stats.delivered == 4 and stats.dead == 0
        kaz, rus = receiver.on("/ok/kaz"), receiver.on("/ok/rus")
        assert receiver.on("/ok/sec") == []
        by_to = {str(m["To"]): m for m in mailbox.messages}
    assert len(kaz) == 1 and len(rus) == 1 and kaz[0].signature_valid(kaz_secret)
    body = kaz[0].json
    assert body["topic"] == "preparedness.communication_test"
    assert body["payload"]["test"] is True and body["payload"]["label"] == "TEST"
    assert body["payload"]["title"].startswith("TEST")
    assert body["payload"]["test_id"] == test_id
    assert set(by_to) == {"fp-kaz@example.org", "fp-rus@example.org"}  # not the observer
    ru, zh = by_to["fp-kaz@example.org"], by_to["fp-rus@example.org"]
    assert str(ru["Subject"]).startswith("[TEST] ТЕСТ: проверка связи ММСП")
    assert str(zh["Subject"]).startswith("[TEST] 测试：《国际卫生条例》通信测试")
    assert "ТЕСТ" in ru.get_content() and f"/preparedness/tests/{test_id}" in ru.get_content()
    assert "测试" in zh.get_content()
