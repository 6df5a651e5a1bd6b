"""How long a situation report takes to make, by language and format.

Workload (synthetic, labelled so in the data): the test scenario's week 2024-W21 (five events,
two weekly series, a detection alarm, a crossing with two status reports, an assistance request,
a consultation) plus N extra synthetic events notified that week, on a fresh SQLite or
PostgreSQL database. It measures, median of R runs each:

1. gathering the content from the services (``content.gather``);
2. rendering the HTML (Jinja2, SVG charts and map);
3. laying out the PDF (WeasyPrint), per language (Chinese embeds a CJK font subset).

Run: ``.venv/bin/python benchmarks/reports.py [--events 200] [--runs 3] [--database-url URL]``
(default: a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from epibridge import audit, migrate
from epibridge.db import create_db_engine, make_sessionmaker, read_session, utcnow, write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.reports import render
from epibridge.reports.service.content import gather
from epibridge.reports.weeks import parse_week
from epibridge.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.reports import scenario

STATES = ["CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        settings = Settings(database_url=url, var_dir=Path(folder))
        migrate.upgrade(settings)
        sessions = make_sessionmaker(create_db_engine(url), audit=audit.trail_for(settings))
        scenario.seed(sessions)
        with write_session(sessions) as session:
            for i in range(args.events):
                state = STATES[i % len(STATES)]
                notifications.create(
                    session,
                    actor=scenario.fp(state),
                    data=NotificationCreate(
                        title=f"Synthetic benchmark event {i}",
                        disease="A09",
                        onset_date=date(2024, 5, 19),
                        state=state,
                        confirmed_cases=5,
                    ),
                    now=scenario.at(20 + i % 7, 8 + i % 10),
                )
        week = parse_week(scenario.WEEK)
        print(f"database: {url.split(':')[0]}; events in the week: {args.events + 4}")
        for lang in ("en", "ru", "zh"):

            def content(lang: str = lang) -> Any:
                with read_session(sessions) as session:
                    return gather(
                        session,
                        actor=scenario.SECRETARIAT,
                        week=week,
                        lang=lang,
                        state=None,
                        now=utcnow(),
                    )

            gathered_s, gathered = _median(content, args.runs)
            html_s, html = _median(lambda g=gathered: render.html(g), args.runs)
            pdf_s, pdf = _median(lambda h=html: render.pdf(h), args.runs)
            print(
                f"{lang}: gather {gathered_s * 1000:7.0f} ms  html {html_s * 1000:5.0f} ms "
                f"({len(html) / 1024:5.0f} KiB)  pdf {pdf_s:5.2f} s ({len(pdf) / 1024:5.0f} KiB)"
            )


if __name__ == "__main__":
    main()
