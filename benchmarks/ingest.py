"""Import speed and peak memory of `epibridge data import` and of the API upload, against the
database's own loader.

The workload is the issue's: ONE CSV file of ``--rows`` SYNTHETIC weekly observations (10
million by default; one state's file, since a submission carries one state's data, with
subnational series broken down by age and sex to reach that many rows; see epidata_files.py),
imported by ONE `epibridge data import FILE --state KAZ` process. Unless ``--one-state`` is
given, the same number of rows is also split into one file per member state (ten imports,
ten process starts) and measured the same way, so both figures are shown. For each backend
(SQLite, and PostgreSQL on a throw-away cluster) and each layout it prints:

  import   rows/s of `epibridge data import` run as a real process per file (every row
           validated, one transaction per file, audit + outbox), wall time including process
           start-up, the CPU seconds of the import processes, and their peak RSS;
  API      rows/s of `POST /api/v1/data/submissions` over real HTTP against `epibridge serve`
           (one request per file, streamed from disk by the client, as a Secretariat account),
           wall time from the first byte sent to the answer, the server's CPU seconds and
           peak RSS, and the ratio to the command's rows/s (``--skip-api`` leaves it out);
  ceiling  rows/s of the database's own bulk loader on the same file(s) into a plain table
           with no index: sqlite3 `.import` (Debian's sqlite3 CLI) and psql `\\copy`.

Each layout and each face imports into a fresh database. Run:
  .venv/bin/python benchmarks/ingest.py [--rows 10000000] [--backend sqlite|postgresql|both]
                                        [--one-state] [--skip-api] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import Cluster, start_cluster  # noqa: E402

from benchmarks.epidata_files import STATES, write_files, write_state_file  # noqa: E402
from benchmarks.query import serve  # noqa: E402
from epibridge import audit, migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, write_session  # noqa: E402
from epibridge.members import accounts  # noqa: E402
from epibridge.members.schemas import UserCreate  # noqa: E402
from epibridge.security import system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
PLAIN_COLUMNS = (
    "state text, area text, disease text, metric text, classification text, "
    "period_start date, period_end date, value bigint, age_group text, sex text"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(url: str, path: Path, state: str, var_dir: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (bytes) of one `epibridge data import` process."""
    env = {**os.environ, "EPIBRIDGE_DATABASE_URL": url, "EPIBRIDGE_VAR_DIR": str(var_dir)}
    cpu = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        [EPIBRIDGE, "data", "import", str(path), "--state", state],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"import of {path} failed: {err or out}")
    return elapsed, _children_cpu() - cpu, peak


def ceiling_sqlite(files: list[Path], workdir: Path) -> float:
    """Wall seconds of `sqlite3 .import` of ``files`` into a fresh plain table."""
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise RuntimeError("Debian's sqlite3 CLI is missing: apt-get install sqlite3")
    db = workdir / "ceiling.db"
    db.unlink(missing_ok=True)
    subprocess.run(
        [sqlite3, str(db), f"CREATE TABLE plain ({PLAIN_COLUMNS.replace(' date', ' text')})"],
        check=True,
    )
    started = time.perf_counter()
    for path in files:
        subprocess.run(
            [sqlite3, str(db), ".mode csv", f".import --skip 1 {path} plain"], check=True
        )
    return time.perf_counter() - started


def ceiling_postgres(cluster: Cluster, files: list[Path], database: str) -> float:
    """Wall seconds of `psql \\copy` of ``files`` into a plain table of a fresh database."""
    cluster.execute(f"CREATE DATABASE {database}")
    cluster.execute(f"CREATE TABLE plain ({PLAIN_COLUMNS})", database=database)
    psql = str(cluster.bindir / "psql") if (cluster.bindir / "psql").exists() else "psql"
    started = time.perf_counter()
    for path in files:
        subprocess.run(
            [
                psql,
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                cluster.user,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"\\copy plain FROM '{path}' WITH (FORMAT csv, HEADER true)",
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def measure(url: str, files: list[tuple[str, Path, int]], workdir: Path) -> dict[str, float]:
    """Import every file with its own `epibridge data import` process into a fresh database."""
    migrate.upgrade(Settings(database_url=url))
    total_rows = sum(n for _, _, n in files)
    elapsed = cpu = 0.0
    peak = 0
    for state, path, _ in files:
        seconds, cpu_seconds, rss = run_import(url, path, state, workdir / "var")
        elapsed += seconds
        cpu += cpu_seconds
        peak = max(peak, rss)
    return {"rows": total_rows, "seconds": elapsed, "cpu": cpu, "files": len(files),
            "rows_per_s": total_rows / elapsed, "peak_rss_mib": peak / 2**20}  # fmt: skip


def _secretariat_token(url: str, var_dir: Path) -> str:
    """A fresh database's Secretariat account (it submits on any state's behalf)."""
    settings = Settings(database_url=url, var_dir=var_dir)
    migrate.upgrade(settings)
    engine = create_db_engine(url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    with write_session(sessions) as session:
        _, issued = accounts.create_user(
            session,
            actor=system_principal("benchmark"),
            data=UserCreate(name="bench-uploader", role="secretariat"),
            token_ttl_days=1,
        )
    engine.dispose()
    return issued.token


class _PeakRss:
    """The largest resident size of a process while the block runs (sampled every 20 ms)."""

    def __init__(self, process: psutil.Process) -> None:
        self.process, self.peak, self._done = process, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.NoSuchProcess:
                return
            self._done.wait(0.02)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def measure_api(url: str, files: list[tuple[str, Path, int]], workdir: Path) -> dict[str, float]:
    """Upload every file with one POST to a live `epibridge serve` on a fresh database."""
    var_dir = workdir / "var"
    token = _secretariat_token(url, var_dir)
    process, base = serve(url, var_dir)
    server = psutil.Process(process.pid)
    elapsed = cpu = 0.0
    peak = 0
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            for state, path, rows in files:
                cpu_before = sum(server.cpu_times()[:2])
                with path.open("rb") as stream, _PeakRss(server) as rss:
                    started = time.perf_counter()
                    response = client.post(
                        "/api/v1/data/submissions",
                        files={"file": (path.name, stream, "text/csv")},
                        data={"state": state},
                        timeout=None,
                    )
                    elapsed += time.perf_counter() - started
                if response.status_code != 201 or response.json()["row_count"] != rows:
                    raise RuntimeError(f"upload of {path} failed: {response.text[:2000]}")
                cpu += sum(server.cpu_times()[:2]) - cpu_before
                peak = max(peak, rss.peak)
    finally:
        process.terminate()
        process.wait(timeout=30)
    total_rows = sum(n for _, _, n in files)
    return {"rows": total_rows, "seconds": elapsed, "cpu": cpu, "files": len(files),
            "rows_per_s": total_rows / elapsed, "peak_rss_mib": peak / 2**20}  # fmt: skip


def describe(label: str, files: list[tuple[str, Path, int]], seconds: float) -> None:
    size = sum(p.stat().st_size for _, p, _ in files)
    rows = sum(n for _, _, n in files)
    print(
        f"{label}: {rows} SYNTHETIC rows in {len(files)} file(s), {size / 2**20:.0f} MiB "
        f"(largest {max(p.stat().st_size for _, p, _ in files) / 2**20:.0f} MiB), "
        f"generated in {seconds:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--one-state", action="store_true", help="Only the single file, not the per-state split."
    )
    parser.add_argument(
        "--skip-api", action="store_true", help="Only the command, not the API upload."
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="epibridge-ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    layouts: list[tuple[str, list[tuple[str, Path, int]]]] = []
    started = time.perf_counter()
    path = workdir / "obs-one.csv"
    single = [("KAZ", path, write_state_file(path, "KAZ", args.rows, with_areas=True))]
    describe("single file", single, time.perf_counter() - started)
    layouts.append(("single file", single))
    if not args.one_state:
        started = time.perf_counter()
        split = write_files(workdir / "files", args.rows, STATES)
        describe("per state", split, time.perf_counter() - started)
        layouts.append(("per state", split))
    for _, files in layouts:
        for _, file, _ in files:
            os.chmod(file, 0o644)
    if args.backend in ("sqlite", "both"):
        for n, (label, files) in enumerate(layouts):
            db = workdir / f"epibridge-{n}.db"
            result = measure(f"sqlite:///{db}", files, workdir)
            ceiling = ceiling_sqlite([p for _, p, _ in files], workdir)
            report(f"SQLite, {label}", result, result["rows"] / ceiling, "sqlite3 .import")
            _remove_sqlite(db)
            if not args.skip_api:
                api_db = workdir / f"epibridge-api-{n}.db"
                report_api(f"SQLite, {label}", measure_api(f"sqlite:///{api_db}", files, workdir),
                           result)  # fmt: skip
                _remove_sqlite(api_db)
    if args.backend in ("postgresql", "both"):
        cluster = start_cluster()
        try:
            for n, (label, files) in enumerate(layouts):
                cluster.execute(f"CREATE DATABASE bench{n}")
                result = measure(cluster.url(f"bench{n}"), files, workdir)
                ceiling = ceiling_postgres(cluster, [p for _, p, _ in files], f"ceiling{n}")
                report(f"PostgreSQL, {label}", result, result["rows"] / ceiling, "psql \\copy")
                cluster.execute(f"DROP DATABASE bench{n}")
                cluster.execute(f"DROP DATABASE ceiling{n}")
                if not args.skip_api:
                    cluster.execute(f"CREATE DATABASE bench_api{n}")
                    api = measure_api(cluster.url(f"bench_api{n}"), files, workdir)
                    report_api(f"PostgreSQL, {label}", api, result)
                    cluster.execute(f"DROP DATABASE bench_api{n}")
        finally:
            cluster.stop()
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


def _remove_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def report_api(name: str, result: dict[str, float], command: dict[str, float]) -> None:
    print(
        f"{name:<24} API    {result['rows_per_s']:>9,.0f} rows/s "
        f"({result['rows']:,.0f} rows, {result['files']:.0f} request(s), "
        f"{result['seconds']:.1f} s, server CPU {result['cpu']:.1f} s), "
        f"server peak RSS {result['peak_rss_mib']:.0f} MiB "
        f"| API/command {result['rows_per_s'] / command['rows_per_s']:.2f}",
        flush=True,
    )


def report(name: str, result: dict[str, float], ceiling: float, loader: str) -> None:
    ratio = result["rows_per_s"] / ceiling
    print(
        f"{name:<24} import {result['rows_per_s']:>9,.0f} rows/s "
        f"({result['rows']:,.0f} rows, {result['files']:.0f} process(es), "
        f"{result['seconds']:.1f} s, CPU {result['cpu']:.1f} s), "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB | ceiling ({loader}) {ceiling:>9,.0f} rows/s "
        f"| import/ceiling {ratio:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
