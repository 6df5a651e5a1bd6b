"""Latency of the series query through the API on a table of 10 million observations.

Loads SYNTHETIC weekly observations (see epidata_files.py; 10 million rows by default, one
submission per member state) through the import service (`epidata.ingest`), serves the real
application with `epibridge serve` and measures, over HTTP with keep-alive, the weekly series
of one disease for all ten member states over ten years (10 x 522 points):

  latest   GET /api/v1/data/series?state=<10 states>&disease=J11&...&granularity=week
  rates    the same with per=100000 and total=true
  as_of    the same as known at a moment between two submissions (reads superseded rows)

and prints p50 and p99 of each, and the API server's own CPU time per request (which,
unlike latency, does not grow when other processes compete for the CPUs). Goal: p50 under
50 ms.

Run:
  .venv/bin/python benchmarks/query.py [--rows 10000000] [--backend sqlite|postgresql|both]
                                       [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import free_port, start_cluster  # noqa: E402

from benchmarks.epidata_files import STATES, write_files  # noqa: E402
from epibridge import audit, migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, utcnow, write_session  # noqa: E402
from epibridge.epidata.ingest import IngestOptions, ingest  # noqa: E402
from epibridge.members import accounts  # noqa: E402
from epibridge.members.schemas import UserCreate  # noqa: E402
from epibridge.security import system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
BENCHMARK = system_principal("benchmark")


def load(url: str, files: list[tuple[str, Path, int]], var_dir: Path) -> tuple[str, object]:
    """Load every file, then revise one state's last year; return a token and a moment between."""
    settings = Settings(database_url=url, var_dir=var_dir)  # the served app's keys too
    migrate.upgrade(settings)
    engine = create_db_engine(url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    started = time.perf_counter()
    synthetic = IngestOptions(synthetic=True)
    for state, path, _ in files:
        ingest(sessions, actor=BENCHMARK, file=path, state=state, options=synthetic)
    moment = utcnow()
    # A late report revising KAZ's J11 last 52 weeks (values + 1), so as_of has work to do.
    state, path, _ = next(f for f in files if f[0] == "KAZ")
    lines = path.read_text().splitlines()
    header, body = lines[0], [line for line in lines[1:] if ",J11,cases,confirmed," in line]
    revised = [line.rsplit(",", 3) for line in body[-52:]]
    text = "\n".join([header, *[f"{a},{int(v) + 1},{g},{s}" for a, v, g, s in revised]])
    revision = path.with_name("revision.csv")
    revision.write_text(text + "\n")
    ingest(sessions, actor=BENCHMARK, file=revision, state="KAZ", options=synthetic)
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    with write_session(sessions) as session:
        _, issued = accounts.create_user(
            session,
            actor=BENCHMARK,
            data=UserCreate(name="bench-secretariat", role="secretariat"),
            token_ttl_days=1,
        )
    engine.dispose()
    return issued.token, moment


def serve(url: str, var_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "EPIBRIDGE_DATABASE_URL": url, "EPIBRIDGE_VAR_DIR": str(var_dir)}
    process = subprocess.Popen(
        # The API alone, as measured before serve ran a worker and the schedules beside it.
        [EPIBRIDGE, "serve", "--port", str(port), "--no-worker", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the server did not start")


def measure(
    base: str, token: str, params: dict[str, str], requests: int, server: psutil.Process
) -> tuple[float, float, int, float]:
    timings = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(5):
            client.get("/api/v1/data/series", params=params).raise_for_status()
        points = 0
        cpu_before = sum(server.cpu_times()[:2])
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/data/series", params=params)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            points = sum(len(s["points"]) for s in response.json()["series"])
        cpu_ms = (sum(server.cpu_times()[:2]) - cpu_before) * 1000 / requests
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return statistics.median(timings), p99, points, cpu_ms


def run(name: str, url: str, files: list[tuple[str, Path, int]], workdir: Path, n: int) -> None:
    print(f"{name}:", flush=True)
    token, moment = load(url, files, workdir / "var")
    process, base = serve(url, workdir / "var")
    try:
        common = {
            "state": ",".join(STATES),
            "disease": "J11",
            "metric": "cases",
            "classification": "confirmed",
            "granularity": "week",
            "start": "2015-01-05",
            "end": "2025-01-05",
        }
        for label, extra in (
            ("latest", {}),
            ("rates", {"per": "100000", "total": "true"}),
            ("as_of", {"as_of": moment.isoformat()}),  # type: ignore[attr-defined]
        ):
            p50, p99, points, cpu_ms = measure(
                base, token, {**common, **extra}, n, psutil.Process(process.pid)
            )
            print(
                f"  {label:<7} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   server CPU "
                f"{cpu_ms:5.1f} ms/request   ({points} points, {n} requests; load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
                flush=True,
            )
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="epibridge-query-"))
    try:
        files = write_files(workdir / "files", args.rows, STATES)
        rows = sum(n for _, _, n in files)
        print(f"generated {rows} SYNTHETIC rows for {len(files)} states", flush=True)
        if args.backend in ("sqlite", "both"):
            run("SQLite", f"sqlite:///{workdir / 'epibridge.db'}", files, workdir, args.requests)
        if args.backend in ("postgresql", "both"):
            cluster = start_cluster()
            try:
                cluster.execute("CREATE DATABASE bench")
                run("PostgreSQL", cluster.url("bench"), files, workdir, args.requests)
            finally:
                cluster.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
