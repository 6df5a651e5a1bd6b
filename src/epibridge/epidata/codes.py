"""The closed vocabularies of the epidemic database and the shape of an accepted file.

Kept apart from the validation code so that schemas, queries and documentation share one list.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import pycountry

METRICS: tuple[str, ...] = (
    "cases",
    "deaths",
    "hospitalisations",
    "tests",
    "positive_tests",
    "vaccinations",
)
CLASSIFICATIONS: tuple[str, ...] = ("suspected", "probable", "confirmed", "all")
#: Sex of the persons counted; an empty value means everyone.
SEXES: tuple[str, ...] = ("female", "male", "unknown")
#: Age groups in whole years: "0-4", "65+", "<1"; an empty value means all ages.
AGE_GROUP_PATTERN = r"^(\d{1,3}-\d{1,3}|\d{1,3}\+|<\d{1,3})$"

REQUIRED_COLUMNS: tuple[str, ...] = (
    "state",
    "area",
    "disease",
    "metric",
    "classification",
    "period_start",
    "period_end",
    "value",
)
#: ``reported_on`` (YYYY-MM-DD) back-dates a row: the day that figure was known (an archive).
OPTIONAL_COLUMNS: tuple[str, ...] = ("age_group", "sex", "reported_on")
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: The columns that identify one value (besides its version).
SERIES_COLUMNS: tuple[str, ...] = (
    "area",
    "disease",
    "metric",
    "classification",
    "age_group",
    "sex",
)

Granularity = Literal["day", "week", "month"]
FileFormat = Literal["csv", "parquet", "json"]
FILE_FORMATS: tuple[str, ...] = ("csv", "parquet", "json")

#: How many bad rows a rejection report lists (all are counted).
MAX_REPORTED_ERRORS = 1000


@lru_cache(maxsize=64)
def areas_of(iso3: str) -> frozenset[str]:
    """The ISO 3166-2 codes of ``iso3``'s subdivisions (empty when pycountry knows none)."""
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return frozenset()
    found = pycountry.subdivisions.get(country_code=country.alpha_2) or []
    return frozenset(sub.code for sub in found)


def guess_format(filename: str) -> str | None:
    """The format a file name announces (``.csv``, ``.parquet``, ``.json``/``.jsonl``)."""
    lower = filename.lower()
    for suffix, fmt in (
        (".csv", "csv"),
        (".parquet", "parquet"),
        (".pq", "parquet"),
        (".json", "json"),
        (".jsonl", "json"),
        (".ndjson", "json"),
    ):
        if lower.endswith(suffix):
            return fmt
    return None
