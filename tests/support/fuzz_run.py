"""The longer fuzz run (scripts/fuzz.sh): every backend, both roles, figures printed at the end.

    python -m tests.support.fuzz_run --examples 25 --backends sqlite,postgresql --seed 1

Each backend gets a freshly migrated database (PostgreSQL: a throw-away cluster, as in the suite)
and a live server; each role fuzzes it with its own token. Exit status 1 when any run found a
server error or a response its operation does not declare.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit, migrate
from epibridge.db import create_db_engine, make_sessionmaker
from epibridge.settings import Settings
from tests.helpers import make_user
from tests.reports.scenario import seed
from tests.support.fuzz import HOSTILE_JSON, Report, fuzz
from tests.support.server import live_server

#: The roles fuzzed: the Secretariat (sees everything) and a focal point of one state.
ROLES: dict[str, tuple[str, str | None]] = {
    "secretariat": ("secretariat", None),
    "kaz-focal-point": ("focal_point", "KAZ"),
}


def prepare(sessions: sessionmaker[Session], role_label: str) -> str:
    """Seed records (id 1 of events, submissions, signals, crossings, requests, consultations),
    then an account for ``role_label`` (named so that no generated input names it): its token."""
    seed(sessions, detect=True)
    role, state = ROLES[role_label]
    return make_user(sessions, f"fuzz-{role_label}-7f3a", role, state)


@contextmanager
def _databases(backend: str, workdir: Path) -> Iterator[Callable[[str], str]]:
    """A maker of fresh, empty databases on ``backend`` (one cluster for all of PostgreSQL's)."""
    if backend == "sqlite":
        yield lambda name: f"sqlite:///{workdir / name}.db"
        return
    from tests.support.postgres import start_cluster

    cluster = start_cluster()

    def make(name: str) -> str:
        cluster.execute(f"CREATE DATABASE {name}")
        return cluster.url(name)

    try:
        yield make
    finally:
        cluster.stop()


def run_backend(
    backend: str, *, examples: int, seed: int, roles: list[str], paths: str | None = None
) -> list[Report]:
    """Fuzz one backend as each role, each on a freshly migrated database."""
    reports = []
    with tempfile.TemporaryDirectory() as tmp, _databases(backend, Path(tmp)) as new_database:
        for role_label in roles:
            url = new_database("fuzz_" + role_label.replace("-", "_"))
            settings = Settings(database_url=url, var_dir=Path(tmp) / "var", secret_key="fuzz")
            migrate.upgrade(settings)
            engine = create_db_engine(url)
            try:
                token = prepare(
                    make_sessionmaker(engine, audit=audit.trail_for(settings)), role_label
                )
                with live_server(settings) as base:
                    report = fuzz(
                        base,
                        token=token,
                        label=f"{backend}/{role_label}",
                        examples=examples,
                        seed=seed,
                        path_regex=paths,
                        hostile=len(HOSTILE_JSON),
                    )
            finally:
                engine.dispose()
            print(report.summary(), flush=True)
            reports.append(report)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="requests per operation and mode")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--paths", default=None, help="only operations whose path matches")
    args = parser.parse_args(argv)
    reports: list[Report] = []
    for backend in [b for b in args.backends.split(",") if b]:
        reports += run_backend(
            backend,
            examples=args.examples,
            seed=args.seed,
            roles=[r for r in args.roles.split(",") if r],
            paths=args.paths,
        )
    print("\n== totals ==")
    for report in reports:
        print(
            f"{report.label:32s} operations {report.operations:4d}  cases {report.cases:6d}  "
            f"server errors {len(report.server_errors):4d} "
            f"({len(report.failing_operations(report.server_errors))} operations)  "
            f"nonconforming {len(report.nonconforming):4d}  {report.seconds:5.0f} s"
        )
    failed = any(r.findings for r in reports)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
