"""Webhooks over HTTPS to a real local receiver with a self-signed certificate.

The worker verifies certificates with ``ssl.create_default_context()``, which trusts the
system's CA store or the bundle named by ``SSL_CERT_FILE``; these tests trust the receiver's
certificate that way, and show that an untrusted one is a clear, retried delivery error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow, write_session
from epibridge.notifications.outbox.models import Delivery
from epibridge.notifications.outbox.worker import Worker
from epibridge.settings import Settings
from tests.helpers import make_user
from tests.notifications.outbox.receivers import http_receiver, self_signed_certificate
from tests.notifications.outbox.test_delivery import FAST, notify, statuses, subscribe


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


def test_signed_webhook_over_https_to_a_trusted_receiver(
    sessions: sessionmaker[Session],
    settings: Settings,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver(tls=certificate) as receiver:
        assert receiver.base.startswith("https://")
        sub, secret = subscribe(sessions, "fp-kaz", kind="webhook", url=receiver.url("/ok/tls"))
        message = notify(sessions, "Cholera over TLS (synthetic)")
        stats = Worker(sessions, settings, FAST).run(once=True)
        received = receiver.on("/ok/tls")
    assert stats.delivered == 1 and stats.errors == 0
    assert [r.headers["x-epibridge-id"] for r in received] == [message]
    assert received[0].signature_valid(secret) and received[0].json["id"] == message
    assert statuses(sessions)[(sub, message)].status == "delivered"


def test_untrusted_certificate_is_a_clear_error_and_retried(
    sessions: sessionmaker[Session],
    settings: Settings,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="epibridge.worker")
    # Trust another self-signed certificate only: the receiver's is unknown to the client.
    other, _ = self_signed_certificate(tmp_path, "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with http_receiver(tls=certificate) as tls_receiver, http_receiver() as plain:
        tls_sub, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=tls_receiver.url("/ok/tls"))
        plain_sub, _ = subscribe(sessions, "fp-kaz", kind="webhook", url=plain.url("/ok/plain"))
        message = notify(sessions, "Dengue over TLS (synthetic)")
        stats = Worker(sessions, settings, FAST).run(once=True)
        # The worker carried on: the other subscriber has its message, nothing crashed.
        assert stats.errors == 0 and stats.delivered == 1 and stats.retrying == 1
        assert len(plain.on("/ok/plain")) == 1 and tls_receiver.count() == 0
        failed = statuses(sessions)[(tls_sub, message)]
        assert failed.status == "retrying" and failed.attempts == 1
        assert failed.last_status_code is None
        # The class is stored; why (our verifier's words) is in the worker's log.
        assert failed.last_error == "tls"
        assert "certificate not trusted: self-signed certificate" in caplog.text
        # The operator trusts the receiver's certificate; the retry, once due, goes through.
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        with write_session(sessions) as session:
            session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        Worker(sessions, settings, FAST).run(once=True)
        assert len(tls_receiver.on("/ok/tls")) == 1
    rows = statuses(sessions)
    assert rows[(tls_sub, message)].status == "delivered"
    assert rows[(tls_sub, message)].attempts == 2
    assert rows[(plain_sub, message)].status == "delivered"
