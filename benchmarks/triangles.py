"""Reporting triangles read from the database: a SYNTHETIC dated archive, then one read.

Writes one state's archive of ``--series`` weekly series x ``--weeks`` weeks, each week known
at 50/80/95/100 % of its count at the end of its Sunday + 0..3 weeks (``reported_on``), imports
it through ``epidata.ingest`` (the back-dated path), and times ``nowcasting.triangles.build``
for every series at once (one query) and a nowcast of one series. Prints the figures; all data
here is SYNTHETIC. Usage: ``PYTHONPATH=src python -m benchmarks.triangles [--series 1000]``.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from epibridge import audit, migrate
from epibridge.db import create_db_engine, make_sessionmaker, read_session
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.models import Series
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting import service, triangles
from epibridge.security import system_principal
from epibridge.settings import Settings

SHARES = (0.5, 0.8, 0.95, 1.0)
ACTOR = system_principal("benchmark")


def archive(series: int, weeks: int, last_monday: date) -> bytes:
    rng = np.random.default_rng(11)
    header = (
        "state,area,disease,metric,classification,period_start,period_end,value,"
        "age_group,sex,reported_on"
    )
    lines = [header]
    for s in range(series):
        age = f"{s % 100}-{s % 100}"
        sex = ("female", "male", "unknown", "")[s // 100 % 4]
        disease = ("J11", "A09", "B05", "A01.0")[s // 400 % 4]
        finals = rng.poisson(80, size=weeks)
        for w in range(weeks):
            start = last_monday - timedelta(weeks=weeks - 1 - w)
            sunday = start + timedelta(days=6)
            for d, share in enumerate(SHARES):
                lines.append(
                    f"KAZ,,{disease},cases,all,{start},{sunday},{int(finals[w] * share)},"
                    f"{age},{sex},{sunday + timedelta(weeks=d)}"
                )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--max-delay", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", var_dir=Path(tmp))
        migrate.upgrade(settings)
        sessions = make_sessionmaker(
            create_db_engine(settings.database_url), audit=audit.trail_for(settings)
        )
        today = datetime.now(UTC).date()
        last_monday = today - timedelta(days=today.weekday(), weeks=5)
        content = archive(args.series, args.weeks, last_monday)
        started = time.perf_counter()
        result = ingest(
            sessions,
            actor=ACTOR,
            file=io.BytesIO(content),
            state="KAZ",
            filename="archive.csv",
            options=IngestOptions(synthetic=True, source="SYNTHETIC benchmark"),
        )
        loaded = time.perf_counter() - started
        print(
            f"SYNTHETIC archive: {result.row_count} dated rows of {args.series} series imported "
            f"in {loaded:.1f} s ({result.row_count / loaded:,.0f} rows/s, SQLite)"
        )
        with read_session(sessions) as session:
            ids = [i for (i,) in session.query(Series.id).all()]
            started = time.perf_counter()
            built = triangles.build(
                session,
                series_ids=ids,
                granularity="week",
                max_delay=args.max_delay,
                as_of=datetime.now(UTC),
                count=args.weeks,
            )
            read = time.perf_counter() - started
            print(
                f"triangles {built.values.shape} (series x weeks x delays) read in one query: "
                f"{read:.2f} s"
            )
            started = time.perf_counter()
            selector = SeriesSelector("J11", states=("KAZ",), age_group="0-0", sex="female")
            service.nowcast(session, actor=ACTOR, selector=selector, max_delay=args.max_delay)
            print(
                f"nowcast of one series (read + intervals): {time.perf_counter() - started:.2f} s"
            )


if __name__ == "__main__":
    main()
