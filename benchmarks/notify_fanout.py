"""Fan-out latency and create throughput of notifications, end to end over real processes.

10 member states, each with 5 webhook subscribers (owned by the state's focal point) on a local
receiver process: every members-visible notification goes to 50 endpoints. Notifications are
created through ``POST /api/v1/notifications`` of a real ``epibridge serve`` process while
``epibridge worker`` processes deliver. For each notification the time from the API's response
to the receipt at the last of its 50 subscribers is measured.

Two phases per backend:
  burst   -- 8 concurrent clients create N notifications as fast as they can: the API's create
             throughput, and the fan-out latency while the worker is flooded (N x 50 webhooks);
  paced   -- one client creates N notifications at a steady rate (--rate per second): the
             fan-out latency of an organization's realistic traffic.

All data is synthetic. Run:
  .venv/bin/python benchmarks/notify_fanout.py [--backend sqlite|postgresql|both] [--n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import free_port, start_cluster  # noqa: E402

from epibridge import audit, migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, write_session  # noqa: E402
from epibridge.members import accounts  # noqa: E402
from epibridge.members.schemas import UserCreate  # noqa: E402
from epibridge.notifications.outbox.addresses import parse_networks  # noqa: E402
from epibridge.notifications.outbox.schemas import SubscriptionCreate  # noqa: E402
from epibridge.notifications.outbox.service import create_subscription  # noqa: E402
from epibridge.notifications.outbox.transport import WebhookClient  # noqa: E402
from epibridge.security import system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

BENCHMARK = system_principal("benchmark")

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
STATES = ["BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
SUBSCRIBERS_PER_STATE = 5
FANOUT = len(STATES) * SUBSCRIBERS_PER_STATE
CLIENTS = 8
LOOPBACK = parse_networks("127.0.0.0/8")
WORKER_ARGS = ["worker", "--concurrency", "64", "--batch", "20", "--poll", "0.02"]


# --- the receiver: a separate asyncio process (uvloop + llhttp), so that its own cost per webhook
# is small next to the system's and it never becomes the bottleneck being measured ------------


def _receiver_main(port: int, ready: Any) -> None:
    import asyncio

    import httptools
    import uvloop

    receipts: dict[str, list[float]] = {}  # event id -> receipt times (notification.notified)
    no_content = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"

    class Connection(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)
            self.body: list[bytes] = []

        def data_received(self, data: bytes) -> None:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.transport.close()

        def on_message_begin(self) -> None:
            self.body = []

        def on_body(self, chunk: bytes) -> None:
            self.body.append(chunk)

        def on_message_complete(self) -> None:
            now = time.time()
            method = self.parser.get_method()
            if method == b"POST":
                message = json.loads(b"".join(self.body))
                if message.get("topic") == "notification.notified":
                    receipts.setdefault(str(message["entity_id"]), []).append(now)
                self.transport.write(no_content)
            elif method == b"DELETE":
                receipts.clear()
                self.transport.write(no_content)
            else:
                data = json.dumps(receipts).encode()
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data
                )

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Connection, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    uvloop.run(serve())


@contextmanager
def receiver() -> Iterator[tuple[str, int]]:
    port = free_port()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_receiver_main, args=(port, ready), daemon=True)
    process.start()
    ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}", process.pid or 0
    finally:
        process.terminate()
        process.join(10)


# --- the system under test -------------------------------------------------------------------


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[tuple[str, int | None]]:
    """Yield the database URL and, on PostgreSQL, the postmaster's pid (for CPU accounting)."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}", None
        return
    cluster = start_cluster()
    try:
        cluster.execute("CREATE DATABASE bench")
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        yield cluster.url("bench"), postmaster
    finally:
        cluster.stop()


def prepare(url: str, receiver_url: str, var_dir: Path) -> list[str]:
    """Migrate, create one focal point per state and its 5 subscriptions; return tokens."""
    settings = Settings(database_url=url, var_dir=var_dir)  # the served processes' keys too
    migrate.upgrade(settings)
    engine = create_db_engine(url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    tokens = []
    with write_session(sessions) as session:
        for state in STATES:
            _, issued = accounts.create_user(
                session,
                actor=BENCHMARK,
                data=UserCreate(name=f"fp-{state.lower()}", role="focal_point", state=state),  # type: ignore[arg-type]
                token_ttl_days=2,
            )
            tokens.append(issued.token)
            for k in range(SUBSCRIBERS_PER_STATE):
                create_subscription(
                    session,
                    actor=BENCHMARK,
                    data=SubscriptionCreate(
                        kind="webhook",
                        url=f"{receiver_url}/hook/{state}/{k}",
                        owner=f"fp-{state.lower()}",
                    ),
                    allow_networks=LOOPBACK,
                )
    engine.dispose()
    return tokens


@dataclass
class System:
    base: str
    api: list[psutil.Process]
    workers: list[psutil.Process]


def server_workers(backend: str) -> int:
    # `epibridge serve --workers` runs several uvicorn processes on PostgreSQL only.
    return 2 if backend == "postgresql" else 1


@contextmanager
def processes(url: str, workdir: Path, backend: str, workers: int) -> Iterator[System]:
    port = free_port()
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": url,
        "EPIBRIDGE_VAR_DIR": str(workdir / "var"),
        "EPIBRIDGE_SECRET_KEY": "benchmark",
        # The receivers listen on 127.0.0.1, which webhooks may not reach unless opened.
        "EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
    }
    # The API alone: the delivery workers measured are the separate `epibridge worker`s.
    serve_args = [
        *("serve", "--port", str(port), "--workers", str(server_workers(backend))),
        *("--no-worker", "--no-scheduler"),
    ]
    started: list[subprocess.Popen[bytes]] = []
    log = (workdir / "processes.log").open("wb")
    try:
        started.append(subprocess.Popen([EPIBRIDGE, *serve_args], env=env, stdout=log, stderr=log))
        started += [
            subprocess.Popen([EPIBRIDGE, *WORKER_ARGS], env=env, stdout=log, stderr=log)
            for _ in range(workers)
        ]
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            log.flush()
            tail = (workdir / "processes.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server did not start:\n{tail}")
        api = psutil.Process(started[0].pid)
        yield System(
            base,
            [api, *api.children(recursive=True)],
            [psutil.Process(p.pid) for p in started[1:]],
        )
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


# --- CPU accounting: who spends the two cores -------------------------------------------------


class Meter:
    """CPU seconds (user + system) of each part of the run, between two snapshots."""

    def __init__(self, system: System, receiver_pid: int, postmaster: int | None) -> None:
        self.groups: dict[str, list[psutil.Process]] = {
            "api": system.api,
            "worker": system.workers,
            "receiver": [psutil.Process(receiver_pid)],
        }
        if postmaster is not None:
            pg = psutil.Process(postmaster)
            self.postgres = pg
            self.groups["postgres"] = [pg]
        else:
            self.postgres = None

    def snapshot(self) -> dict[str, float]:
        if self.postgres is not None:
            # Backends come and go with connections: count the ones alive at each snapshot.
            self.groups["postgres"] = [self.postgres, *self.postgres.children()]
        totals = {name: _cpu(procs) for name, procs in self.groups.items()}
        totals["clients"] = time.process_time()
        return totals

    @staticmethod
    def since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: max(after[name] - before.get(name, 0.0), 0.0) for name in after}


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def cpu_line(cpu: dict[str, float], per: int, unit: str, scale: float) -> str:
    parts = [f"{name} {seconds / per * scale:.2f}" for name, seconds in cpu.items()]
    total = sum(cpu.values()) / per * scale
    return f"{', '.join(parts)}; total {total:.2f} {unit}"


# --- load: 8 concurrent clients on keep-alive connections -------------------------------------


def _body(i: int) -> bytes:
    return json.dumps(
        {
            "title": f"Synthetic benchmark event {i}",
            "disease": "A00",
            "onset_date": date.today().isoformat(),
            "visibility": "members",
            "suspected_cases": 10 + i % 7,
            "confirmed_cases": i % 5,
            "deaths": 0,
        }
    ).encode()


async def _create(client: WebhookClient, base: str, token: str, i: int) -> tuple[str, float]:
    answer = await client.post(
        f"{base}/api/v1/notifications",
        _body(i),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    done = time.time()
    if answer.status_code != 201:
        raise RuntimeError(f"create failed: {answer.status_code} {answer.body[:300]!r}")
    return str(json.loads(answer.body)["id"]), done


def _client() -> WebhookClient:
    # The same light asyncio client the worker uses: the load generator's own CPU per request
    # stays small, so the cores go to the system being measured.
    return WebhookClient(
        connect_timeout=10,
        read_timeout=60,
        per_origin=CLIENTS,
        allow_networks=LOOPBACK,
        keep_body=True,
    )


def create_one(base: str, token: str, i: int) -> tuple[str, float]:
    async def go() -> tuple[str, float]:
        client = _client()
        try:
            return await _create(client, base, token, i)
        finally:
            await client.aclose()

    return asyncio.run(go())


def wait_receipts(
    receiver_url: str, created: dict[str, float], timeout: float
) -> tuple[list[float], float]:
    """Wait until every notification reached all subscribers; return latencies, last receipt."""
    deadline = time.monotonic() + timeout
    while True:
        receipts = httpx.get(receiver_url, timeout=30).json()
        complete = [i for i in created if len(receipts.get(i, [])) >= FANOUT]
        if len(complete) == len(created) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    missing = len(created) - len(complete)
    if missing:
        print(f"  WARNING: {missing} notifications not received by all {FANOUT} subscribers")
    last = max((max(receipts[i]) for i in complete), default=float("nan"))
    return sorted(max(receipts[i]) - created[i] for i in complete), last


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def burst(base: str, tokens: list[str], n: int) -> tuple[dict[str, float], float, float]:
    """``CLIENTS`` concurrent clients create ``n`` notifications; return ids, rate, start."""
    created: dict[str, float] = {}

    async def go() -> None:
        client = _client()

        async def client_loop(c: int) -> None:
            for i in range(c, n, CLIENTS):
                event_id, done = await _create(client, base, tokens[i % len(tokens)], i)
                created[event_id] = done

        try:
            await asyncio.gather(*(client_loop(c) for c in range(CLIENTS)))
        finally:
            await client.aclose()

    started = time.time()
    asyncio.run(go())
    return created, n / (time.time() - started), started


def paced(base: str, tokens: list[str], n: int, rate: float) -> dict[str, float]:
    created: dict[str, float] = {}

    async def go() -> None:
        client = _client()
        start = time.monotonic()
        try:
            for i in range(n):
                pause = start + i / rate - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
                event_id, done = await _create(client, base, tokens[i % len(tokens)], 10_000 + i)
                created[event_id] = done
        finally:
            await client.aclose()

    asyncio.run(go())
    return created


def api_only(backend: str, n: int) -> dict[str, Any]:
    """Creates/s of the API alone: its own database, no worker competing for CPU or locks."""
    workdir = Path(tempfile.mkdtemp(prefix=f"epibridge-bench-api-{backend}-"))
    try:
        with ExitStack() as stack:
            receiver_url, receiver_pid = stack.enter_context(receiver())
            url, postmaster = stack.enter_context(database(backend, workdir))
            tokens = prepare(url, receiver_url, workdir / "var")
            system = stack.enter_context(processes(url, workdir, backend, 0))
            for k in range(CLIENTS):  # warm every server process and connection
                create_one(system.base, tokens[0], 99_990 + k)
            meter = Meter(system, receiver_pid, postmaster)
            before = meter.snapshot()
            _, throughput, _ = burst(system.base, tokens, n)
            cpu = Meter.since(before, meter.snapshot())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"throughput": throughput, "cpu": cpu}


def run_backend(backend: str, n: int, rate: float, workers: int | None) -> dict[str, Any]:
    alone = api_only(backend, n)
    workers = workers if workers is not None else (2 if backend == "postgresql" else 1)
    workdir = Path(tempfile.mkdtemp(prefix=f"epibridge-bench-{backend}-"))
    try:
        with ExitStack() as stack:
            receiver_url, receiver_pid = stack.enter_context(receiver())
            url, postmaster = stack.enter_context(database(backend, workdir))
            tokens = prepare(url, receiver_url, workdir / "var")
            system = stack.enter_context(processes(url, workdir, backend, workers))
            # Warm-up: one notification end to end (imports, connections, caches).
            warm_id, warm_at = create_one(system.base, tokens[0], 99_999)
            wait_receipts(receiver_url, {warm_id: warm_at}, 120)
            httpx.delete(receiver_url)
            meter = Meter(system, receiver_pid, postmaster)

            before = meter.snapshot()
            created, throughput, started = burst(system.base, tokens, n)
            burst_latency, last = wait_receipts(receiver_url, created, 900)
            burst_cpu = Meter.since(before, meter.snapshot())
            drain = len(burst_latency) * FANOUT / (last - started)
            httpx.delete(receiver_url)
            paced_created = paced(system.base, tokens, n, rate)
            paced_latency, _ = wait_receipts(receiver_url, paced_created, 900)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "backend": backend,
        "workers": workers,
        "throughput": throughput,
        "api_only": alone["throughput"],
        "api_cpu": alone["cpu"],
        "burst_cpu": burst_cpu,
        "burst_seconds": last - started,
        "drain": drain,
        "burst_p50": percentile(burst_latency, 50),
        "burst_p99": percentile(burst_latency, 99),
        "paced_p50": percentile(paced_latency, 50),
        "paced_p99": percentile(paced_latency, 99),
        "complete": (len(burst_latency), len(paced_latency)),
    }


def report(result: dict[str, Any], n: int, rate: float) -> None:
    b = result["backend"]
    webhooks = n * FANOUT
    burst_cpu = result["burst_cpu"]
    print(
        f"[{b}] API: {server_workers(b)} server process(es); worker: {result['workers']} "
        f"process(es) `epibridge {' '.join(WORKER_ARGS)}`\n"
        f"[{b}] create throughput, {CLIENTS} concurrent clients: "
        f"{result['api_only']:.1f} creates/s with no worker running (goal >= 100); "
        f"{result['throughput']:.1f} creates/s while the worker fans out 50 webhooks each\n"
        f"[{b}]   CPU ms per create, no worker: "
        f"{cpu_line(result['api_cpu'], n, 'ms', 1e3)}\n"
        f"[{b}] fan-out after the burst ({n} x {FANOUT} = {webhooks} webhooks at once): "
        f"p50 {result['burst_p50']:.2f} s, p99 {result['burst_p99']:.2f} s; "
        f"worker delivered {result['drain']:.0f} webhooks/s\n"
        f"[{b}]   CPU during the burst ({result['burst_seconds']:.1f} s wall, "
        f"{sum(burst_cpu.values()):.1f} CPU s of {os.cpu_count()} x "
        f"{result['burst_seconds']:.1f} available): {cpu_line(burst_cpu, 1, 's', 1)}\n"
        f"[{b}]   the same per webhook (creates included): "
        f"{cpu_line(burst_cpu, webhooks, 'us', 1e6)}\n"
        f"[{b}] fan-out at {rate:g} notifications/s ({rate * FANOUT:g} webhooks/s): "
        f"p50 {result['paced_p50']:.2f} s, p99 {result['paced_p99']:.2f} s (goal p99 < 2 s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--n", type=int, default=200, help="notifications per phase")
    parser.add_argument(
        "--rate", type=float, default=4.0, help="notifications per second in the paced phase"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: 1 on SQLite, 2 on PostgreSQL)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=64, help="webhooks in flight per worker process"
    )
    args = parser.parse_args()
    WORKER_ARGS[2] = str(args.concurrency)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"notify_fanout: {len(STATES)} states x {SUBSCRIBERS_PER_STATE} webhook subscribers = "
        f"{FANOUT} deliveries per notification; n={args.n} per phase; synthetic data; "
        f"{os.cpu_count()} CPUs"
    )
    results = []
    for backend in backends:
        print(f"[{backend}] running ...", flush=True)
        result = run_backend(backend, args.n, args.rate, args.workers)
        results.append(result)
        report(result, args.n, args.rate)
    print("\nsummary (seconds from the API's 201 to the last of 50 subscribers' receipt):")
    print(
        f"{'backend':<11} {'api c/s':>8} {'creates/s':>9} {'hooks/s':>8} "
        f"{'burst p50':>9} {'burst p99':>9} "
        f"{'paced p50':>9} {'paced p99':>9}"
    )
    for r in results:
        print(
            f"{r['backend']:<11} {r['api_only']:>8.1f} {r['throughput']:>9.1f} "
            f"{r['drain']:>8.0f} {r['burst_p50']:>9.2f} "
            f"{r['burst_p99']:>9.2f} {r['paced_p50']:>9.2f} {r['paced_p99']:>9.2f}"
        )


if __name__ == "__main__":
    main()
