"""How fast the crossings list answers with every side's current status.

Workload (synthetic, labelled so in the data): the real registry plus N synthetic air crossings
(air crossings may join any two states), each side with a history of K status reports per
direction and traffic (4 keys per side), on a fresh SQLite or PostgreSQL database. It measures:

1. recording reports through ``service.report_status`` (validation, overlap check, audit,
   outbox) in one transaction per report, reports per second;
2. ``service.list_crossings`` pages of 50 and 500 with the current status, conflicts and lane
   checks computed, milliseconds per page (median of 5);
3. the history of one crossing (newest 50 of its reports).

Run: ``.venv/bin/python benchmarks/borders_status.py [--crossings 500] [--history 3]
[--database-url URL]`` (default: a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from epibridge import audit, migrate
from epibridge.borders import service
from epibridge.borders.schemas import CrossingCreate, StatusReportCreate
from epibridge.db import create_db_engine, make_sessionmaker, read_session, write_session
from epibridge.security import system_principal
from epibridge.settings import Settings

BENCHMARK = system_principal("benchmark")

STATES = ["CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB", "BLR"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crossings", type=int, default=500)
    parser.add_argument("--history", type=int, default=3, help="reports per side, key")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, var_dir=Path(tmp))
        migrate.upgrade(settings)
        sessions = make_sessionmaker(create_db_engine(url), audit=audit.trail_for(settings))
        with write_session(sessions) as session:
            service.load_registry(session, actor=BENCHMARK)
            for i in range(args.crossings):
                a, b = STATES[i % 10], STATES[(i + 3) % 10]
                service.create_crossing(
                    session,
                    actor=BENCHMARK,
                    data=CrossingCreate(
                        code=f"SYNTHETIC-{i}",
                        name=f"Synthetic air crossing {i}",
                        kind="air",
                        state_a=a,
                        name_a=f"synthetic {a}",
                        state_b=b,
                        name_b=f"synthetic {b}",
                        latitude=40 + (i % 100) / 10,
                        longitude=70 + (i % 200) / 10,
                        source="synthetic benchmark data",
                    ),
                )
        with read_session(sessions) as session:
            crossings = service.list_crossings(session, limit=100000).items
        start = datetime(2026, 1, 1, tzinfo=UTC)
        count = 0
        began = time.perf_counter()
        for step in range(args.history):
            for c in crossings:
                for side in c.states:
                    for direction in ("outbound", "inbound"):
                        for traffic in ("freight", "people"):
                            closed = (c.id + step) % 7 == 0 and side == c.states[1]
                            with write_session(sessions) as session:
                                service.report_status(
                                    session,
                                    actor=BENCHMARK,
                                    crossing_id=c.id,
                                    data=StatusReportCreate(
                                        side=side,
                                        direction=direction,  # type: ignore[arg-type]
                                        traffic=traffic,  # type: ignore[arg-type]
                                        status="closed" if closed else "open",
                                        measures_c8=4 if closed else 1,
                                        wait_minutes=None if closed else (c.id * 7) % 60,
                                        effective_from=start + timedelta(days=step),
                                    ),
                                )
                            count += 1
        elapsed = time.perf_counter() - began
        print(f"crossings: {len(crossings)} ({args.crossings} synthetic)")
        print(f"reports recorded: {count} in {elapsed:.1f} s = {count / elapsed:.0f} reports/s")
        for limit in (50, 500):
            timings = []
            for _ in range(5):
                t0 = time.perf_counter()
                with read_session(sessions) as session:
                    page = service.list_crossings(session, limit=limit).items
                timings.append(time.perf_counter() - t0)
            conflicts = sum(c.conflict for c in page)
            print(
                f"list page of {limit}: median {statistics.median(timings) * 1000:.1f} ms "
                f"({conflicts} conflicts on the page)"
            )
        t0 = time.perf_counter()
        with read_session(sessions) as session:
            rows = service.history(session, crossing_id=crossings[0].id, limit=50).items
        took = (time.perf_counter() - t0) * 1000
        print(f"history of one crossing ({len(rows)} rows): {took:.1f} ms")


if __name__ == "__main__":
    main()
