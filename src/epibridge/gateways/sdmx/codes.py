"""Our vocabulary as SDMX codes, and back: the one translation table of the SDMX face.

SDMX identifiers allow only ``A-Z a-z 0-9 _ @ $ -`` (the ``IDType`` of SDMX-ML 2.1), so values
that carry other characters are written the way SDMX's global code lists write them:

- age groups as in ``CL_AGE``: ``0-4`` -> ``Y0T4``, ``65+`` -> ``Y_GE65``, ``<1`` -> ``Y_LT1``;
  all ages (our empty value) is the total ``_T``;
- ICD-10 codes without their dot (``U07.1`` -> ``U071``), the usual dotless form; ICD-10
  categories always have three characters, so the dot goes back after the third; ``unknown``
  is ``_U``;
- sex as in ``CL_SEX``: ``F``, ``M``, ``_U`` (unknown), ``_T`` (everyone, our empty value);
- metrics and classifications in capitals; the classification ``all`` is the total ``_T``;
- the whole state (no subnational area) is ``_Z``, "not applicable", in ``AREA``.

A code that translates to nothing is a bad key, reported naming its dimension.
"""

from __future__ import annotations

import re

from epibridge.epidata.codes import CLASSIFICATIONS, METRICS, SEXES
from epibridge.notifications.diseases import UNKNOWN, validate_disease_code

TOTAL, NOT_APPLICABLE, UNKNOWN_CODE = "_T", "_Z", "_U"
#: SDMX frequency code -> the selector's granularity.
FREQUENCIES: dict[str, str] = {"D": "day", "W": "week", "M": "month"}
GRANULARITY_CODES = {value: key for key, value in FREQUENCIES.items()}
SEX_CODES: dict[str, str] = {"female": "F", "male": "M", "unknown": UNKNOWN_CODE, "": TOTAL}
_SEX_VALUES = {code: value for value, code in SEX_CODES.items()}
_ID = re.compile(r"[A-Za-z0-9_@$\-]+")
_RANGE = re.compile(r"Y(\d{1,3})T(\d{1,3})")
_OVER = re.compile(r"Y_GE(\d{1,3})")
_UNDER = re.compile(r"Y_LT(\d{1,3})")
_DOTLESS = re.compile(r"[A-Z]\d\d[0-9A-Z]{0,2}")

assert set(SEX_CODES) - {""} == set(SEXES)


def is_id(code: str) -> bool:
    """Whether ``code`` is an SDMX identifier (what a key may hold)."""
    return _ID.fullmatch(code) is not None


def age_code(age_group: str) -> str:
    if not age_group:
        return TOTAL
    if age_group.endswith("+"):
        return f"Y_GE{age_group[:-1]}"
    if age_group.startswith("<"):
        return f"Y_LT{age_group[1:]}"
    low, high = age_group.split("-")
    return f"Y{low}T{high}"


def age_value(code: str) -> str | None:
    """The age group of a ``CL_AGE`` code; None when it is not one."""
    if code == TOTAL:
        return ""
    if found := _RANGE.fullmatch(code):
        return f"{found[1]}-{found[2]}"
    if found := _OVER.fullmatch(code):
        return f"{found[1]}+"
    if found := _UNDER.fullmatch(code):
        return f"<{found[1]}"
    return None


def disease_code(disease: str) -> str:
    return UNKNOWN_CODE if disease == UNKNOWN else disease.replace(".", "")


def disease_value(code: str) -> str | None:
    """The ICD-10 code of a dotless code; None when the database could hold no such code."""
    if code == UNKNOWN_CODE:
        return UNKNOWN
    if _DOTLESS.fullmatch(code) is None:
        return None
    value = code if len(code) == 3 else f"{code[:3]}.{code[3:]}"
    try:
        return validate_disease_code(value)
    except ValueError:
        return None


def classification_code(classification: str) -> str:
    return TOTAL if classification == "all" else classification.upper()


def classification_value(code: str) -> str | None:
    if code == TOTAL:
        return "all"
    value = code.lower()
    return value if value in CLASSIFICATIONS and value != "all" and code.isupper() else None


def metric_value(code: str) -> str | None:
    value = code.lower()
    return value if value in METRICS and code.isupper() else None


def area_code(area: str) -> str:
    return area or NOT_APPLICABLE


def area_value(code: str) -> str | None:
    if code == NOT_APPLICABLE:
        return ""
    return code if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code) else None


def sex_value(code: str) -> str | None:
    return _SEX_VALUES.get(code)


def state_value(code: str) -> str | None:
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


def frequency_value(code: str) -> str | None:
    return FREQUENCIES.get(code)
