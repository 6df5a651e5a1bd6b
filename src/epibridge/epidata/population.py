"""Population denominators shipped with the package (UN World Population Prospects 2024).

A rate for a year without a shipped figure uses the nearest year that has one, and says
which year it used, so a reader can judge the denominator.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

SOURCE = (
    "UN DESA Population Division, World Population Prospects 2024 (total population, 1 July, "
    "medium variant); transcribed figures, to be checked against the official file"
)


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], dict[int, int]]:
    text = (resources.files("epibridge.epidata") / "data" / "population_wpp2024.csv").read_text(
        encoding="utf-8"
    )
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    table: dict[tuple[str, str], dict[int, int]] = {}
    for row in rows:
        table.setdefault((row["state"], row["area"]), {})[int(row["year"])] = int(row["population"])
    return table


def population(state: str, year: int, area: str = "") -> tuple[int, int] | None:
    """(population, year of the figure used) for a state or area, or None when unknown."""
    years = _table().get((state, area))
    if not years:
        return None
    used = min(years, key=lambda y: (abs(y - year), -y))
    return years[used], used


def known() -> dict[tuple[str, str], dict[int, int]]:
    """Every shipped figure, by (state, area) and year."""
    return {key: dict(value) for key, value in _table().items()}
