"""Federation: hub ingest with signature checks, KAZ -> hub -> CHN latency, catch-up of a backlog.

Three real nodes on loopback (hub, KAZ, CHN), each an ``epibridge serve`` process with its own
SQLite file and EPIBRIDGE_VAR_DIR, set up with the contract's commands (init, trust add, join);
the servers run their push-and-pull loop (EPIBRIDGE_FEDERATION_SYNC_SECONDS, default 1 s).
Messages are notifications (``notification.notified`` with their CAP): synthetic data.

  ingest   -- the --backlog genuine KAZ messages (signed, with their signed routes; KAZ and CHN
              stopped) accepted by the hub's database in one process: message and route
              signatures checked, key/state, freshness and replay checked, the replica stored,
              the relay entry logged. Messages per second, two ways: the first half one
              transaction each, as a push to the inbox does; the second half in pages of 200,
              one transaction per page and a savepoint per message, as a pull does. The
              signature checks alone are timed too.
  latency  -- a client creates notifications through KAZ's API at --rate per second; the time
              from the API's answer to the replica's arrival in CHN's database (KAZ exports and
              pushes, the hub relays at once, CHN's inbox stores). p50/p99.
  catch-up -- CHN was stopped while those messages reached the hub (which queues them for it);
              CHN's server is started again: the time until it holds all of them.

Run: .venv/bin/python benchmarks/federation.py [--rate 10] [--seconds 20] [--backlog 10000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from tests.federation.nodes import Node, federate  # noqa: E402
from tests.notifications.factory import event_body  # noqa: E402

from epibridge import migrate  # noqa: E402
from epibridge.db import (  # noqa: E402
    read_session,
    utcnow,
    write_session,
)
from epibridge.federation.transport import core, pages, service, sync  # noqa: E402
from epibridge.federation.transport.models import LogEntry  # noqa: E402
from epibridge.notifications import service as notifications  # noqa: E402
from epibridge.notifications.models import NotificationEvent  # noqa: E402
from epibridge.notifications.schemas import NotificationCreate  # noqa: E402
from epibridge.security import Principal, Role, system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

BENCHMARK = system_principal("benchmark")
FP_KAZ = Principal(user_id=0, name="benchmark-kaz", role=Role.OPERATOR, kind="system")


def _count(node: Node, prefix: str) -> int:
    with read_session(node.sessions) as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(NotificationEvent)
                .where(NotificationEvent.title.startswith(prefix))
            ).scalar_one()
        )


def _titles(node: Node, prefix: str) -> set[str]:
    with read_session(node.sessions) as session:
        rows = session.execute(
            select(NotificationEvent.title).where(NotificationEvent.title.startswith(prefix))
        ).scalars()
        return set(rows)


def _make(node: Node, prefix: str, n: int, batch: int = 200) -> None:
    """``n`` notifications of KAZ made in-process (the backlog), ``batch`` per transaction."""
    for start in range(0, n, batch):
        with write_session(node.sessions) as session:
            for i in range(start, min(start + batch, n)):
                body = event_body(title=f"{prefix} {i:05d}", state="KAZ")
                notifications.create(session, actor=FP_KAZ, data=NotificationCreate(**body))


def _load() -> str:
    import os

    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def backlog(kaz: Node, prefix: str, n: int) -> list[tuple[str, str]]:
    """``n`` genuine KAZ messages (token, route): notifications made and exported on KAZ."""
    started = time.perf_counter()
    _make(kaz, prefix, n)
    made = time.perf_counter() - started
    started = time.perf_counter()
    sync.export_all(kaz.sessions, actor=BENCHMARK, settings=kaz.settings)
    exported = time.perf_counter() - started
    print(
        f"export:   {n} notifications made on KAZ in {made:.1f} s, signed and logged by its "
        f"exporter in {exported:.1f} s = {n / exported:,.0f} msg/s"
    )
    with read_session(kaz.sessions) as session:
        rows = session.execute(
            select(LogEntry.token, LogEntry.route)
            .where(LogEntry.topic == "notification.notified")
            .order_by(LogEntry.seq.desc())
            .limit(n)
        ).all()
    return [(r.token, r.route) for r in rows][::-1]


def ingest(hub: Node, entries: list[tuple[str, str]]) -> None:
    """The hub accepts the messages in-process: half one by one (push), half by pages (pull)."""
    n = len(entries)
    started = time.perf_counter()
    with read_session(hub.sessions) as session:
        now = utcnow()
        for token, route in entries:
            core.verify(session, token=token, now=now)
            core.verify(session, token=route, now=now)
    checks = time.perf_counter() - started
    half = n // 2
    token, route = entries[0]  # this process imports the topics' modules on its first message
    service.accept_in(hub.sessions, token=token, settings=hub.settings, route=route)
    started = time.perf_counter()
    for token, route in entries[1:half]:
        service.accept_in(hub.sessions, token=token, settings=hub.settings, route=route)
    one_by_one = time.perf_counter() - started
    half -= 1
    started = time.perf_counter()
    rest = [pages.PageItem(token, route) for token, route in entries[half + 1 :]]
    for start in range(0, len(rest), sync.PAGE):
        page = rest[start : start + sync.PAGE]
        result = pages.accept_page(hub.sessions, items=page, settings=hub.settings)
        assert result.accepted == len(page), result
    paged = time.perf_counter() - started
    print(
        f"ingest:   {half} messages accepted by the hub one transaction each (the inbox, a push) "
        f"in {one_by_one:.2f} s = {half / one_by_one:,.0f} msg/s; {len(rest)} in pages of "
        f"{sync.PAGE} (a pull) in {paged:.2f} s = {len(rest) / paged:,.0f} msg/s "
        f"(signature, key, freshness, replay, replica stored, relay logged; SQLite; "
        f"load {_load()})"
    )
    print(
        f"          signature checks alone (message + route, key look-up): "
        f"{2 * n / checks:,.0f} checks/s = {n / checks:,.0f} msg/s"
    )


def warm_up(kaz: Node, chn: Node) -> None:
    """One message end to end first: each server imports the topic modules on its first round."""
    fp = kaz.token("bench-fp-warm", "focal_point", "KAZ")
    answer = httpx.post(
        kaz.url + "/api/v1/notifications", headers=fp, json=event_body(title="Synthetic warm-up")
    )
    assert answer.status_code == 201, answer.text
    started = time.monotonic()
    while not _count(chn, "Synthetic warm-up"):
        assert time.monotonic() - started < 300, "the warm-up message never reached CHN"
        time.sleep(0.2)


def latency(kaz: Node, chn: Node, rate: float, seconds: float) -> None:
    prefix = "Synthetic latency benchmark"
    fp = kaz.token("bench-fp-kaz", "focal_point", "KAZ")
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set() or len(seen) < len(sent):
            now = time.monotonic()
            for title in _titles(chn, prefix) - set(seen):
                seen[title] = now
            if stop.is_set() and time.monotonic() > deadline:
                return
            time.sleep(0.02)

    deadline = float("inf")
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    total = int(rate * seconds)
    began = time.monotonic()
    with httpx.Client(base_url=kaz.url, headers=fp) as client:
        for i in range(total):
            title = f"{prefix} {i:04d}"
            wait = began + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            answer = client.post("/api/v1/notifications", json=event_body(title=title))
            assert answer.status_code == 201, answer.text
            sent[title] = time.monotonic()
    deadline = time.monotonic() + 60
    stop.set()
    watcher.join()
    delays = [seen[t] - sent[t] for t in sent if t in seen]
    print(
        f"latency:  {len(delays)}/{total} notifications KAZ -> hub -> CHN at {rate:g}/s: "
        f"p50 {_pct(delays, 0.5):.2f} s, p99 {_pct(delays, 0.99):.2f} s, "
        f"max {max(delays):.2f} s"
    )


def catch_up(chn: Node, prefix: str, n: int) -> None:
    """CHN was down while ``n`` messages were queued for it on the hub: its restart."""
    restarted = time.monotonic()
    chn.launch()
    chn.wait_up()
    up = time.monotonic() - restarted
    while _count(chn, prefix) < n:
        time.sleep(0.2)
    took = time.monotonic() - restarted
    assert _count(chn, prefix) == n
    print(
        f"catch-up: CHN, down while {n} messages were queued for it, holds all of them "
        f"{took:.1f} s after its restart ({up:.1f} s of it starting the server): "
        f"{n / (took - up):,.0f} msg/s once up; none doubled (load {_load()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="epibridge-federation-bench-"))
    template = root / "template.db"
    migrate.upgrade(Settings(database_url=f"sqlite:///{template}", var_dir=root / "var"))

    def url(name: str) -> str:
        shutil.copyfile(template, root / f"{name}.db")
        return f"sqlite:///{root / name}.db"

    serve = ["--no-worker"]  # the schedules' process also runs the federation loop
    hub = Node(root, "hub", url("hub"), root / "var", serve_args=serve)
    kaz = Node(root, "kaz", url("kaz"), root / "var", serve_args=serve)
    chn = Node(root, "chn", url("chn"), root / "var", serve_args=serve)
    try:
        federate(hub, {"KAZ": kaz, "CHN": chn})
        every = hub.settings.federation_sync_seconds
        print(f"three nodes on loopback, SQLite, sync every {every:g} s; load {_load()}")
        warm_up(kaz, chn)
        latency(kaz, chn, args.rate, args.seconds)
        kaz.stop()  # the backlog is made and signed on KAZ's database in this process
        chn.stop()
        prefix = "Synthetic backlog benchmark"
        entries = backlog(kaz, prefix, args.backlog)
        ingest(hub, entries)
        catch_up(chn, prefix, args.backlog)
    finally:
        for node in (hub, kaz, chn):
            node.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
