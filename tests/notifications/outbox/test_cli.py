"""`epibridge worker` as real processes, with a SIGKILL mid-batch; `epibridge subscriptions`
through the console script's entry point in this process (tests/support/cli.py), a refused
subscription as the installed script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.notifications.outbox.models import Delivery
from epibridge.notifications.outbox.service import publish
from epibridge.settings import Settings
from tests.helpers import make_user
from tests.notifications.outbox.receivers import Receiver, http_receiver
from tests.support.cli import invoke, run_script

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
WORKER = ["worker", "--connect-timeout", "1", "--read-timeout", "1", "--poll", "0.05"]


def env_of(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS": settings.webhook_allow_networks,
        "COLUMNS": "200",
    }


def allowed(settings: Settings) -> dict[str, str]:
    return {"EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS": settings.webhook_allow_networks}


def run(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """One step, through the console script's entry point in this process."""
    result = invoke(settings, *args, env=allowed(settings))
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def start_worker(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [EPIBRIDGE, *WORKER, *args],
        env=env_of(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def publish_batch(sessions: sessionmaker[Session], count: int) -> list[str]:
    ids = []
    with write_session(sessions) as session:
        for i in range(count):
            ids.append(
                publish(
                    session,
                    actor="user:fp-kaz",
                    topic="notification.notified",
                    entity="notification",
                    entity_id=i,
                    payload={"title": f"Synthetic event {i}", "state": "KAZ"},
                ).id
            )
    return ids


def subscribe_cli(settings: Settings, owner: str, url: str) -> str:
    return run(settings, "subscriptions", "create", owner, "--webhook", url).stdout.split()[-1]


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def receipts_by_path(receiver: Receiver, paths: list[str]) -> dict[str, list[str]]:
    return {p: [r.headers["x-epibridge-id"] for r in receiver.on(p)] for p in paths}


def test_subscriptions_commands(settings: Settings, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    secret = subscribe_cli(settings, "fp-kaz", "https://example.org/hook")
    assert secret.startswith("whsec_")
    run(
        settings,
        "subscriptions",
        "create",
        "fp-kaz",
        "--email",
        "a@example.org",
        "--language",
        "zh",
    )
    listed = run(settings, "subscriptions", "list").stdout
    assert "https://example.org/hook" in listed and "a@example.org" in listed
    create = ["subscriptions", "create", "fp-kaz", "--webhook", "ftp://x"]
    bad = run_script(settings, *create, env=allowed(settings))  # the installed script
    assert bad.returncode == 2 and "url" in bad.stderr
    run(settings, "subscriptions", "update", "1", "--paused")
    assert "no" in run(settings, "subscriptions", "list", "--owner", "fp-kaz").stdout
    assert "0 deliveries" in run(settings, "subscriptions", "dead").stdout
    assert "0 dead deliveries re-queued" in run(settings, "subscriptions", "replay", "--all").stdout
    run(settings, "subscriptions", "delete", "1")
    assert "https://example.org/hook" not in run(settings, "subscriptions", "list").stdout


def test_sigkill_mid_batch_loses_nothing(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    paths = ["/slow/a", "/slow/b", "/slow/c"]
    with http_receiver(slow=0.05) as receiver:
        secrets = {p: subscribe_cli(settings, "fp-kaz", receiver.url(p)) for p in paths}
        messages = publish_batch(sessions, 40)
        total = len(messages) * len(paths)
        first = start_worker(settings, "--concurrency", "2", "--batch", "10", "--lease", "3")
        try:
            assert wait_for(lambda: receiver.count() >= 20, 60), first.stdout
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        seen_at_kill = receiver.count()
        assert first.returncode == -signal.SIGKILL
        assert seen_at_kill < total, "the worker finished before it could be killed"
        # Claims of the dead worker expire after their lease; the new worker retries them.
        second = start_worker(settings, "--concurrency", "4", "--batch", "10", "--lease", "3")
        try:

            def complete() -> bool:
                got = receipts_by_path(receiver, paths)
                return all(set(got[p]) == set(messages) for p in paths)

            assert wait_for(complete, 90), second.stdout
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)
        assert second.returncode == 0, output
        received = receipts_by_path(receiver, paths)
        for path in paths:
            assert all(r.signature_valid(secrets[path]) for r in receiver.on(path))
    for path in paths:
        # At least once: everything arrived; exactly once after deduplication by message id.
        assert set(received[path]) == set(messages)
        assert sorted(set(received[path])) == sorted(messages)
        duplicates = sum(n - 1 for n in Counter(received[path]).values())
        assert duplicates <= 2 * 2  # at most what the killed worker had in flight per path
    with read_session(sessions) as session:
        states = session.execute(select(Delivery.status)).scalars().all()
    assert len(states) == total and set(states) == {"delivered"}


def test_two_workers_at_once_send_each_message_once(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    paths = ["/slow/a", "/slow/b"]
    with http_receiver(slow=0.05) as receiver:
        for path in paths:
            subscribe_cli(settings, "fp-kaz", receiver.url(path))
        messages = publish_batch(sessions, 60)
        options = ("--once", "--concurrency", "2", "--batch", "5")
        # Alone, the first would need about 6 s (120 requests of 50 ms, one at a time).
        a = start_worker(settings, "--once", "--concurrency", "1", "--batch", "5")
        # The second starts while the first is busy, so both take part.
        assert wait_for(lambda: receiver.count() >= 4, 60)
        b = start_worker(settings, *options)
        outputs = [p.communicate(timeout=120)[0] for p in (a, b)]
        assert a.returncode == 0 and b.returncode == 0, outputs
        received = receipts_by_path(receiver, paths)
    for path in paths:
        counts = Counter(received[path])
        assert set(counts) == set(messages)
        assert set(counts.values()) == {1}, "a message was sent twice"
    with read_session(sessions) as session:
        rows = session.execute(select(Delivery.status, Delivery.claimed_by)).all()
    assert {status for status, _ in rows} == {"delivered"}
    assert len({worker for _, worker in rows}) == 2, "both workers delivered a share"
