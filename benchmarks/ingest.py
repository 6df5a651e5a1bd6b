"""Import speed and peak memory of `epibridge data import`, against the database's own loader.

Generates SYNTHETIC weekly observations (see epidata_files.py): by default 10 million rows
split into one file per member state (a submission carries one state's data), or with
``--one-state`` a single file of one state (to show the memory bound on a file over 1 GiB).
For each backend (SQLite, and PostgreSQL on a throw-away cluster) it prints:

  import   rows/s of `epibridge data import FILE --state S` run as a real process per file
           (every row validated, one transaction per file, audit + outbox), wall time
           including process start-up, and the peak RSS of the import process;
  ceiling  rows/s of the database's own bulk loader on the same files into a plain table:
           sqlite3 `.import` (Debian's sqlite3 CLI) and psql `\\copy`.

Run:
  .venv/bin/python benchmarks/ingest.py [--rows 10000000] [--backend sqlite|postgresql|both]
                                        [--one-state] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import Cluster, start_cluster  # noqa: E402

from benchmarks.epidata_files import STATES, write_files, write_state_file  # noqa: E402
from epibridge import migrate  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
PLAIN_COLUMNS = (
    "state text, area text, disease text, metric text, classification text, "
    "period_start date, period_end date, value bigint, age_group text, sex text"
)


def run_import(url: str, path: Path, state: str, var_dir: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one `epibridge data import` process."""
    env = {**os.environ, "EPIBRIDGE_DATABASE_URL": url, "EPIBRIDGE_VAR_DIR": str(var_dir)}
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
    return elapsed, peak


def ceiling_sqlite(files: list[Path], workdir: Path) -> float:
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


def ceiling_postgres(cluster: Cluster, files: list[Path]) -> float:
    cluster.execute("CREATE DATABASE ceiling")
    cluster.execute(f"CREATE TABLE plain ({PLAIN_COLUMNS})", database="ceiling")
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
                "ceiling",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                f"\\copy plain FROM '{path}' WITH (FORMAT csv, HEADER true)",
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def measure(
    name: str, url: str, files: list[tuple[str, Path, int]], workdir: Path
) -> dict[str, float]:
    migrate.upgrade(Settings(database_url=url))
    total_rows = sum(n for _, _, n in files)
    elapsed = 0.0
    peak = 0
    for state, path, _ in files:
        seconds, rss = run_import(url, path, state, workdir / "var")
        elapsed += seconds
        peak = max(peak, rss)
    return {"rows": total_rows, "seconds": elapsed, "rows_per_s": total_rows / elapsed,
            "peak_rss_mib": peak / 2**20}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--one-state", action="store_true", help="One file of one state.")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="epibridge-ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    started = time.perf_counter()
    if args.one_state:
        path = workdir / "obs-one.csv"
        files = [("KAZ", path, write_state_file(path, "KAZ", args.rows, with_areas=True))]
    else:
        files = write_files(workdir / "files", args.rows, STATES)
    for _, path, _ in files:
        os.chmod(path, 0o644)
    size = sum(p.stat().st_size for _, p, _ in files)
    rows = sum(n for _, _, n in files)
    print(
        f"generated {rows} SYNTHETIC rows in {len(files)} file(s), {size / 2**20:.0f} MiB "
        f"(largest {max(p.stat().st_size for _, p, _ in files) / 2**20:.0f} MiB) "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    paths = [p for _, p, _ in files]
    if args.backend in ("sqlite", "both"):
        result = measure("sqlite", f"sqlite:///{workdir / 'epibridge.db'}", files, workdir)
        ceiling = ceiling_sqlite(paths, workdir)
        report("SQLite", result, rows / ceiling, "sqlite3 .import")
    if args.backend in ("postgresql", "both"):
        cluster = start_cluster()
        try:
            cluster.execute("CREATE DATABASE bench")
            result = measure("postgresql", cluster.url("bench"), files, workdir)
            ceiling = ceiling_postgres(cluster, paths)
            report("PostgreSQL", result, rows / ceiling, "psql \\copy")
        finally:
            cluster.stop()
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


def report(name: str, result: dict[str, float], ceiling: float, loader: str) -> None:
    ratio = result["rows_per_s"] / ceiling
    print(
        f"{name:<10} import {result['rows_per_s']:>10,.0f} rows/s "
        f"({result['rows']:,.0f} rows in {result['seconds']:.1f} s), "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB | ceiling ({loader}) {ceiling:>10,.0f} rows/s "
        f"| import/ceiling {ratio:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
