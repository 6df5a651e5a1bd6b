"""Time of a detection run over the epidemic database (SQLite, a fresh file).

Loads SYNTHETIC weekly series through the epidata import service: every member state of the
profile x ``--diseases`` diseases, six years of confirmed cases each (Poisson with seasonality,
fixed seed, an outbreak injected in the last week of every fifth series). Then prints the
seconds of:

  full      `detect run` over every series (noufaily + ears-c1, last 4 weeks), first time
  rerun     the same again (nothing new: no signal added, none updated)
  changed   `detect run --changed` after one more submission (one state's file)

with series per second for each.

Run:
  .venv/bin/python benchmarks/signals.py [--diseases 10]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from epibridge import audit, migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, read_session, utcnow  # noqa: E402
from epibridge.detection.schemas import RunOptions  # noqa: E402
from epibridge.detection.service import run  # noqa: E402
from epibridge.epidata.ingest import IngestOptions, ingest  # noqa: E402
from epibridge.members import service as members  # noqa: E402
from epibridge.security import system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

DISEASES = ("A00", "A01", "A02", "A03", "A09", "A15", "A36", "A37", "A39", "B05", "B15", "B16")
HEADER = "state,area,disease,metric,classification,period_start,period_end,value"
WEEKS = 6 * 52


def _file(state: str, diseases: tuple[str, ...], rng: np.random.Generator, k: int) -> bytes:
    today = utcnow().date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS)
    rows = [HEADER]
    for j, disease in enumerate(diseases):
        mean = 20 + 8 * np.sin(2 * np.pi * (np.arange(WEEKS) + 5 * j) / 52)
        values = rng.poisson(mean)
        if (k + j) % 5 == 0:
            values[-1] = int(mean[-1] * 4)
        for i, value in enumerate(values):
            start: date = first + timedelta(weeks=i)
            rows.append(
                f"{state},,{disease},cases,confirmed,{start},{start + timedelta(days=6)},{value}"
            )
    return ("\n".join(rows) + "\n").encode()


def _submit(sessions, state: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    ingest(
        sessions,
        actor=system_principal("benchmark"),
        file=io.BytesIO(content),
        filename="synthetic.csv",
        state=state,
        options=IngestOptions(synthetic=True, source="SYNTHETIC benchmark"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diseases", type=int, default=10, choices=range(1, len(DISEASES) + 1))
    args = parser.parse_args()
    diseases = DISEASES[: args.diseases]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", var_dir=Path(tmp))
        migrate.upgrade(settings)
        sessions = make_sessionmaker(
            create_db_engine(settings.database_url), audit=audit.trail_for(settings)
        )
        rng = np.random.default_rng(2026)
        with read_session(sessions) as session:
            states = [s.iso3 for s in members.members_on(session, on=utcnow().date())]
        loading = time.perf_counter()
        for k, state in enumerate(states):
            _submit(sessions, state, _file(state, diseases, rng, k))
        print(
            f"loaded {len(states)} states x {len(diseases)} diseases x {WEEKS} weeks "
            f"(SYNTHETIC) in {time.perf_counter() - loading:.1f} s"
        )
        for label, options in (
            ("full", RunOptions()),
            ("rerun", RunOptions()),
        ):
            began = time.perf_counter()
            report = run(sessions, options=options, actor=system_principal("benchmark"))
            took = time.perf_counter() - began
            print(
                f"{label:8s} {took:7.2f} s  {report.series} series ({report.series / took:.0f}/s), "
                f"{report.evaluated} points, {report.alarms} alarms, {report.opened} opened, "
                f"{report.updated} updated, {report.notifications} drafts"
            )
        _submit(sessions, states[0], _file(states[0], diseases, rng, 1))
        began = time.perf_counter()
        report = run(
            sessions, options=RunOptions(changed=True), actor=system_principal("benchmark")
        )
        took = time.perf_counter() - began
        print(
            f"{'changed':8s} {took:7.2f} s  {report.series} series, {report.messages_read} "
            f"submission read, {report.opened} opened, {report.updated} updated"
        )


if __name__ == "__main__":
    main()
