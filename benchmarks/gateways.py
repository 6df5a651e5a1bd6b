"""Import speed of DHIS2's dataValueSets against the CSV path, on the same observations.

The workload is the issue's: ``--values`` (1,000,000 by default) SYNTHETIC weekly DHIS2 data
values of one state (KAZ): 2 data elements x 40 category option combos (10 age groups x 4
sexes) x 21 org units (the state and its 20 ISO 3166-2 regions) x as many ISO weeks from
2010 as needed, all mapped. For each backend it prints:

  dhis2  values/s of ``service.import_values`` on a DHIS2 body held in memory (as a server
         has it once received), JSON (what DHIS2's data exchange sends) and DHIS2's CSV layout:
         decoded into columns, translated with Polars joins on the mapping, checked and landed
         by ``epidata.ingest`` as one submission;
  csv    rows/s of ``epidata.ingest`` on the same observations as an epibridge CSV file;
  ratio  dhis2 / csv (the issue's goal: >= 0.5),

each into a fresh database, in this process (no HTTP on either side), with the process's peak
RSS after each. Run:
  .venv/bin/python benchmarks/gateways.py [--values 1000000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.postgres import start_cluster  # noqa: E402

from epibridge import audit, migrate  # noqa: E402
from epibridge.db import create_db_engine, make_sessionmaker, write_session  # noqa: E402
from epibridge.epidata.codes import areas_of  # noqa: E402
from epibridge.epidata.ingest import ingest  # noqa: E402
from epibridge.gateways.dhis2 import parsing, service  # noqa: E402
from epibridge.security import system_principal  # noqa: E402
from epibridge.settings import Settings  # noqa: E402

ACTOR = system_principal("benchmark")
AGES = ("0-4", "5-9", "10-14", "15-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70+")
SEXES = ("", "female", "male", "unknown")


def _uid(prefix: str, n: int) -> str:
    return f"{prefix}{n:010d}"


def mapping() -> dict[str, object]:
    combos = {
        _uid("c", i): {"classification": "confirmed", "age_group": age, "sex": sex}
        for i, (age, sex) in enumerate((a, s) for a in AGES for s in SEXES)
    }
    units = {
        _uid("o", 0): "",
        **{_uid("o", i + 1): a for i, a in enumerate(sorted(areas_of("KAZ")))},
    }
    return {
        "id_scheme": "UID",
        "data_elements": {
            _uid("d", 0): {"disease": "J11", "metric": "cases"},
            _uid("d", 1): {"disease": "J11", "metric": "deaths"},
        },
        "category_option_combos": combos,
        "org_units": units,
    }


def workload(values: int) -> tuple[bytes, bytes, bytes]:
    """The DHIS2 JSON and DHIS2 CSV bodies and the epibridge CSV file of the same observations."""
    plan = mapping()
    keys = [
        (de, coc, ou)
        for de in plan["data_elements"]  # type: ignore[union-attr]
        for coc in plan["category_option_combos"]  # type: ignore[union-attr]
        for ou in plan["org_units"]  # type: ignore[union-attr]
    ]
    weeks = -(-values // len(keys))
    monday = date(2010, 1, 4)
    grid = (
        pl.DataFrame(
            {"de": [k[0] for k in keys], "coc": [k[1] for k in keys], "ou": [k[2] for k in keys]}
        )
        .join(pl.DataFrame({"w": range(weeks)}), how="cross")
        .head(values)
    )
    grid = grid.with_columns(
        (pl.lit(monday) + pl.duration(weeks=pl.col("w"))).alias("start"),
        ((pl.col("w") * 7919 + pl.int_range(pl.len())) % 500).cast(pl.String).alias("value"),
    )
    iso = (
        grid["start"].dt.iso_year().cast(pl.String) + "W" + grid["start"].dt.week().cast(pl.String)
    )
    rows = grid.with_columns(iso.alias("period"))
    body = json.dumps(
        {
            "dataSet": "BfMAe6Itzgt",
            "dataValues": [
                {
                    "dataElement": de,
                    "period": p,
                    "orgUnit": ou,
                    "categoryOptionCombo": coc,
                    "attributeOptionCombo": "HllvX50cXC0",
                    "value": v,
                }
                for de, coc, ou, p, v in rows.select(
                    "de", "coc", "ou", "period", "value"
                ).iter_rows()
            ],
        }
    ).encode()
    elements = pl.DataFrame(
        {"de": list(plan["data_elements"]), "metric": ["cases", "deaths"]}  # type: ignore[arg-type]
    )
    combos = pl.DataFrame(
        {
            "coc": list(plan["category_option_combos"]),  # type: ignore[arg-type]
            "age_group": [c["age_group"] for c in plan["category_option_combos"].values()],  # type: ignore[union-attr]
            "sex": [c["sex"] for c in plan["category_option_combos"].values()],  # type: ignore[union-attr]
        }
    )
    units = pl.DataFrame({"ou": list(plan["org_units"]), "area": list(plan["org_units"].values())})  # type: ignore[union-attr]
    csv = (
        rows.join(elements, on="de").join(combos, on="coc").join(units, on="ou")
        .select(
            pl.lit("KAZ").alias("state"), "area", pl.lit("J11").alias("disease"), "metric",
            pl.lit("confirmed").alias("classification"),
            pl.col("start").alias("period_start"),
            (pl.col("start") + pl.duration(days=6)).alias("period_end"),
            "value", "age_group", "sex",
        )
        .write_csv()
        .encode()
    )  # fmt: skip
    dhis2_csv = (
        rows.select(
            "de", "period", "ou", "coc", pl.lit("HllvX50cXC0").alias("aoc"), "value"
        )
        .write_csv(include_header=False)
        .encode()
    )  # fmt: skip
    return body, dhis2_csv, csv


def _fresh(url: str, var_dir: Path):  # type: ignore[no-untyped-def]
    settings = Settings(database_url=url, var_dir=var_dir)
    migrate.upgrade(settings)
    engine = create_db_engine(url)
    sessions = make_sessionmaker(engine, audit=audit.trail_for(settings))
    with write_session(sessions) as session:
        service.load_mapping(session, principal=ACTOR, state="KAZ", document=mapping())
    return engine, sessions


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_dhis2(
    url: str, var_dir: Path, body: bytes, values: int, media_type: str
) -> tuple[float, float]:
    engine, sessions = _fresh(url, var_dir)
    request = service.ImportRequest(
        state="KAZ",
        id_schemes=dict.fromkeys(
            ("dataElementIdScheme", "orgUnitIdScheme", "categoryOptionComboIdScheme"), "UID"
        ),
    )
    started, cpu = time.perf_counter(), time.process_time()
    parsed = parsing.read(body, media_type)
    summary = service.import_values(sessions, principal=ACTOR, parsed=parsed, request=request)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert summary.status == "SUCCESS" and summary.importCount.imported == values, summary
    return seconds, cpu


def run_csv(url: str, var_dir: Path, path: Path, values: int) -> tuple[float, float]:
    engine, sessions = _fresh(url, var_dir)
    started, cpu = time.perf_counter(), time.process_time()
    result = ingest(sessions, actor=ACTOR, file=path, state="KAZ")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert result.new_count == values, result
    return seconds, cpu


def report(backend: str, values: int, runs: dict[str, tuple[float, float, int]]) -> None:
    """Wall-clock rates and their ratio to the CSV path; CPU seconds of this process too (the
    cores are shared, so the wall clock also counts waiting for them)."""
    csv_wall, csv_cpu, _ = runs["csv ingest"]
    for name, (wall, cpu, size) in runs.items():
        print(
            f"{backend}, {name}: {values / wall:,.0f} values/s ({wall:.1f} s wall, {cpu:.1f} s "
            f"CPU, {size / 2**20:.0f} MiB); ratio to csv ingest {csv_wall / wall:.2f} wall, "
            f"{csv_cpu / cpu:.2f} CPU"
        )
    print(f"{backend}: peak RSS {_peak_mib():,.0f} MiB (goal: ratio >= 0.5)")


def measure(
    url_of: Callable[[str], str], work: Path, bodies: tuple[bytes, bytes, Path], values: int
) -> dict[str, tuple[float, float, int]]:
    """Each path into its own fresh database: the CSV path first, then the DHIS2 bodies."""
    json_body, csv_body, path = bodies
    runs = {
        "csv ingest": (*run_csv(url_of("csv"), work / "var", path, values), path.stat().st_size)
    }
    for name, db, body, kind in (
        ("dhis2 dataValueSets JSON", "json", json_body, "application/json"),
        ("dhis2 dataValueSets CSV", "dhis2csv", csv_body, "text/csv"),
    ):
        runs[name] = (*run_dhis2(url_of(db), work / "var", body, values, kind), len(body))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    args = parser.parse_args()
    json_body, csv_body, csv = workload(args.values)
    with tempfile.TemporaryDirectory(prefix="epibridge-gw-") as tmp:
        work = Path(tmp)
        path = work / "observations.csv"
        path.write_bytes(csv)
        bodies = (json_body, csv_body, path)
        if args.backend in ("sqlite", "both"):
            runs = measure(lambda name: f"sqlite:///{work / name}.db", work, bodies, args.values)
            report("SQLite", args.values, runs)
        if args.backend in ("postgresql", "both"):
            cluster = start_cluster()
            try:
                for name in ("csv", "json", "dhis2csv"):
                    cluster.execute(f"CREATE DATABASE bench_{name}")
                runs = measure(lambda name: cluster.url(f"bench_{name}"), work, bodies, args.values)
                report("PostgreSQL", args.values, runs)
            finally:
                cluster.stop()


if __name__ == "__main__":
    main()
