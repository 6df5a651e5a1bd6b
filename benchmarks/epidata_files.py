"""Synthetic observation files for the epidata benchmarks (all data here is SYNTHETIC).

Weekly series over 10 ISO years (522 weeks from 2015-01-05) for the member states: diseases x
metrics x classifications x sex x age groups, series after series, cut at the number of rows
asked for. The series the query benchmark reads (J11 cases, confirmed, whole state, all ages,
everyone) come first in every state's file so they are complete in any cut.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

STATES = ["BLR", "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
DISEASES = ["J11", "A09", "B05", "A01.0", "A00", "A03", "A08", "A15", "A39", "A90",
            "B01", "B15", "B16", "B26", "J10", "U07.1"]  # fmt: skip
METRICS = ["cases", "deaths", "hospitalisations", "tests", "positive_tests", "vaccinations"]
CLASSIFICATIONS = ["confirmed", "suspected", "probable", "all"]
SEXES = ["", "female", "male"]
AGES = ["", "0-4", "5-64", "65+"]
FIRST = date(2015, 1, 5)
WEEKS = 522


def series_keys(areas: list[str] | None = None) -> pl.DataFrame:
    """Every series; with ``areas``, only subnational ones broken down by age and sex."""
    ages = [a for a in AGES if a] if areas else AGES
    sexes = [s for s in SEXES if s] if areas else SEXES
    rows = [
        (area, d, m, c, a, s)
        for area in areas or [""]
        for d in DISEASES
        for m in METRICS
        for c in CLASSIFICATIONS
        for a in ages
        for s in sexes
    ]
    return pl.DataFrame(
        rows,
        schema=["area", "disease", "metric", "classification", "age_group", "sex"],
        orient="row",
    )


def write_state_file(
    path: Path, state: str, rows: int, seed: int = 7, with_areas: bool = False
) -> int:
    """Write ``rows`` observations of ``state`` (contract layout); return the rows written.

    ``with_areas`` adds series for every ISO 3166-2 subdivision, for very large files.
    """
    from epibridge.epidata.codes import areas_of

    keys = series_keys(sorted(areas_of(state)) if with_areas else None)
    n_series = min(keys.height, -(-rows // WEEKS))
    keys = keys.head(n_series).with_row_index("sid")
    starts = [FIRST + timedelta(weeks=w) for w in range(WEEKS)]
    weeks = pl.DataFrame(
        {
            "period_start": starts,
            "period_end": [s + timedelta(days=6) for s in starts],
            "w": np.arange(WEEKS),
        }
    )
    rng = np.random.default_rng(seed + STATES.index(state) if state in STATES else seed)
    with path.open("wb") as out:
        out.write(
            b"state,area,disease,metric,classification,period_start,period_end,value,age_group,sex\n"
        )
        written = 0
        for begin in range(0, n_series, 200):
            part = keys.slice(begin, 200).join(weeks, how="cross")
            part = part.head(rows - written)
            if part.height == 0:
                break
            values = rng.poisson(40, part.height)
            frame = part.select(
                pl.lit(state).alias("state"),
                "area",
                "disease",
                "metric",
                "classification",
                "period_start",
                "period_end",
                pl.Series("value", values),
                "age_group",
                "sex",
            )
            frame.write_csv(out, include_header=False, quote_style="never")
            written += part.height
            if written >= rows:
                break
    return written


def write_files(folder: Path, rows: int, states: list[str]) -> list[tuple[str, Path, int]]:
    """One file per state, ``rows`` in all; returns (state, path, rows) of each."""
    folder.mkdir(parents=True, exist_ok=True)
    per_state = -(-rows // len(states))
    out = []
    left = rows
    for state in states:
        path = folder / f"obs-{state.lower()}.csv"
        written = write_state_file(path, state, min(per_state, left))
        out.append((state, path, written))
        left -= written
        if left <= 0:
            break
    return out
