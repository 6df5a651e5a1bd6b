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
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import free_port, start_cluster  # noqa: E402

from epibridge import migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, write_session  # noqa: E402
from epibridge.members import accounts  # noqa: E402
from epibridge.members.schemas import UserCreate  # noqa: E402
from epibridge.notifications.outbox.schemas import SubscriptionCreate  # noqa: E402
from epibridge.notifications.outbox.service import create_subscription  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
STATES = ["BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
SUBSCRIBERS_PER_STATE = 5
FANOUT = len(STATES) * SUBSCRIBERS_PER_STATE
CLIENTS = 8


# --- the receiver: a separate process so its work does not share this one's interpreter lock --


def _receiver_main(port: int, ready: Any) -> None:
    lock = threading.Lock()
    receipts: dict[str, list[float]] = {}  # event id -> receipt times (notification.notified)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            message = json.loads(body)
            if message.get("topic") == "notification.notified":
                with lock:
                    receipts.setdefault(str(message["entity_id"]), []).append(now)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            with lock:
                data = json.dumps(receipts).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_DELETE(self) -> None:
            with lock:
                receipts.clear()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 512
    ready.set()
    server.serve_forever()


@contextmanager
def receiver() -> Iterator[str]:
    port = free_port()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_receiver_main, args=(port, ready), daemon=True)
    process.start()
    ready.wait(30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


# --- the system under test -------------------------------------------------------------------


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    cluster = start_cluster()
    try:
        cluster.execute("CREATE DATABASE bench")
        yield cluster.url("bench")
    finally:
        cluster.stop()


def prepare(url: str, receiver_url: str) -> list[str]:
    """Migrate, create one focal point per state and its 5 subscriptions; return tokens."""
    migrate.upgrade(Settings(database_url=url))
    engine = create_db_engine(url)
    sessions = make_sessionmaker(engine)
    tokens = []
    with write_session(sessions) as session:
        for state in STATES:
            _, issued = accounts.create_user(
                session,
                actor="benchmark",
                data=UserCreate(name=f"fp-{state.lower()}", role="focal_point", state=state),  # type: ignore[arg-type]
                token_ttl_days=2,
            )
            tokens.append(issued.token)
            for k in range(SUBSCRIBERS_PER_STATE):
                create_subscription(
                    session,
                    actor="benchmark",
                    data=SubscriptionCreate(
                        kind="webhook",
                        url=f"{receiver_url}/hook/{state}/{k}",
                        owner=f"fp-{state.lower()}",
                    ),
                )
    engine.dispose()
    return tokens


@contextmanager
def processes(url: str, workdir: Path, backend: str, workers: int | None) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": url,
        "EPIBRIDGE_VAR_DIR": str(workdir / "var"),
        "EPIBRIDGE_SECRET_KEY": "benchmark",
    }
    serve_args = ["serve", "--port", str(port)]
    if backend == "postgresql":
        serve_args += ["--workers", "2"]
    worker_args = ["worker", "--concurrency", "32", "--batch", "50", "--poll", "0.02"]
    if workers is None:
        workers = 2 if backend == "postgresql" else 1
    started: list[subprocess.Popen[bytes]] = []
    log = (workdir / "processes.log").open("wb")
    try:
        started.append(subprocess.Popen([EPIBRIDGE, *serve_args], env=env, stdout=log, stderr=log))
        started += [
            subprocess.Popen([EPIBRIDGE, *worker_args], env=env, stdout=log, stderr=log)
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
        yield base
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def _body(i: int) -> dict[str, Any]:
    return {
        "title": f"Synthetic benchmark event {i}",
        "disease": "A00",
        "onset_date": date.today().isoformat(),
        "visibility": "members",
        "suspected_cases": 10 + i % 7,
        "confirmed_cases": i % 5,
        "deaths": 0,
    }


def create(client: httpx.Client, base: str, token: str, i: int) -> tuple[str, float]:
    response = client.post(
        f"{base}/api/v1/notifications",
        json=_body(i),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    done = time.time()
    if response.status_code != 201:
        raise RuntimeError(f"create failed: {response.status_code} {response.text[:300]}")
    return str(response.json()["id"]), done


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
    created: dict[str, float] = {}
    lock = threading.Lock()

    def client_loop(c: int) -> None:
        with httpx.Client() as client:
            for i in range(c, n, CLIENTS):
                event_id, done = create(client, base, tokens[i % len(tokens)], i)
                with lock:
                    created[event_id] = done

    started = time.time()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client_loop, range(CLIENTS)))
    return created, n / (time.time() - started), started


def paced(base: str, tokens: list[str], n: int, rate: float) -> dict[str, float]:
    created: dict[str, float] = {}
    start = time.monotonic()
    with httpx.Client() as client:
        for i in range(n):
            pause = start + i / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            event_id, done = create(client, base, tokens[i % len(tokens)], 10_000 + i)
            created[event_id] = done
    return created


def api_only_throughput(backend: str, n: int) -> float:
    """Creates/s of the API alone: its own database, no worker competing for CPU or locks."""
    workdir = Path(tempfile.mkdtemp(prefix=f"epibridge-bench-api-{backend}-"))
    try:
        with ExitStack() as stack:
            receiver_url = stack.enter_context(receiver())
            url = stack.enter_context(database(backend, workdir))
            tokens = prepare(url, receiver_url)
            base = stack.enter_context(processes(url, workdir, backend, 0))
            with httpx.Client() as client:
                create(client, base, tokens[0], 99_998)
            _, throughput, _ = burst(base, tokens, n)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return throughput


def run_backend(backend: str, n: int, rate: float, workers: int | None) -> dict[str, Any]:
    api_only = api_only_throughput(backend, n)
    workdir = Path(tempfile.mkdtemp(prefix=f"epibridge-bench-{backend}-"))
    try:
        with ExitStack() as stack:
            receiver_url = stack.enter_context(receiver())
            url = stack.enter_context(database(backend, workdir))
            tokens = prepare(url, receiver_url)
            base = stack.enter_context(processes(url, workdir, backend, workers))
            # Warm-up: one notification end to end (imports, connections, caches).
            with httpx.Client() as client:
                warm_id, warm_at = create(client, base, tokens[0], 99_999)
            wait_receipts(receiver_url, {warm_id: warm_at}, 120)
            httpx.delete(receiver_url)

            created, throughput, started = burst(base, tokens, n)
            burst_latency, last = wait_receipts(receiver_url, created, 900)
            drain = len(burst_latency) * FANOUT / (last - started)
            httpx.delete(receiver_url)
            paced_created = paced(base, tokens, n, rate)
            paced_latency, _ = wait_receipts(receiver_url, paced_created, 900)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "backend": backend,
        "throughput": throughput,
        "api_only": api_only,
        "drain": drain,
        "burst_p50": percentile(burst_latency, 50),
        "burst_p99": percentile(burst_latency, 99),
        "paced_p50": percentile(paced_latency, 50),
        "paced_p99": percentile(paced_latency, 99),
        "complete": (len(burst_latency), len(paced_latency)),
    }


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
    args = parser.parse_args()
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
        print(
            f"[{backend}] create throughput, {CLIENTS} concurrent clients: "
            f"{result['api_only']:.1f} creates/s with no worker running (goal >= 100); "
            f"{result['throughput']:.1f} creates/s while the worker fans out 50 webhooks each\n"
            f"[{backend}] fan-out after the burst ({args.n} x {FANOUT} = {args.n * FANOUT} "
            f"webhooks at once): p50 {result['burst_p50']:.2f} s, p99 {result['burst_p99']:.2f} s"
            f"; worker delivered {result['drain']:.0f} webhooks/s\n"
            f"[{backend}] fan-out at {args.rate:g} notifications/s ({args.rate * FANOUT:g} "
            f"webhooks/s): p50 {result['paced_p50']:.2f} s, p99 {result['paced_p99']:.2f} s "
            f"(goal p99 < 2 s)",
            flush=True,
        )
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
