"""A state's DHIS2 mapping: the YAML document checked whole, every problem named by its key.

The shape (docs/gateways/dhis2.md)::

    id_scheme: UID                   # or CODE: what the keys below are (default UID)
    data_elements: {KEY: {disease: ICD10, metric: cases|deaths|...}}
    category_option_combos: {KEY: {classification: suspected|probable|confirmed|all,
                                   age_group: "", sex: ""}}
    org_units: {KEY: ISO-3166-2 code of the state, or "" for the whole state}

Pure functions: the service decides who may load it and stores it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from epibridge.epidata.codes import AGE_GROUP_PATTERN, CLASSIFICATIONS, METRICS, SEXES, areas_of
from epibridge.errors import FieldError, InvalidInput, reason_of
from epibridge.i18n import N_
from epibridge.notifications.diseases import validate_disease_code
from epibridge.text import printable
from epibridge.text import problem as text_problem

SECTIONS = ("data_elements", "category_option_combos", "org_units")
ID_SCHEMES = ("UID", "CODE")
#: DHIS2's identifiers: 11 characters, a letter first (docs.dhis2.org, "Identifier schemes").
UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
MAX_ENTRIES = 10_000
MAX_KEY = 50
MAX_BYTES = 1024 * 1024
_AGE = re.compile(AGE_GROUP_PATTERN)
Content = dict[str, dict[str, Any]]


def parse_yaml(raw: bytes) -> object:
    """The YAML document of a mapping file (no tags, no objects: ``safe_load``)."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput(
            N_("the mapping file is over {limit} bytes"),
            [FieldError("file", N_("too large"), len(raw))],
            params={"limit": MAX_BYTES},
        )
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise InvalidInput(
            N_("the mapping file is not readable YAML"),
            [FieldError("file", N_("not UTF-8 YAML: {reason}"), params={"reason": str(exc)[:200]})],
        ) from None


def _key(section: str, key: object, scheme: str, errors: list[FieldError]) -> str | None:
    text = str(key) if isinstance(key, str | int) and not isinstance(key, bool) else None
    where = f"{section}.{printable(str(key), 60)}"
    if text is None or not text or len(text) > MAX_KEY or text_problem(text):
        errors.append(FieldError(where, N_("not a DHIS2 identifier (1 to 50 characters)")))
        return None
    if scheme == "UID" and not UID.fullmatch(text):
        errors.append(
            FieldError(where, N_("not a DHIS2 UID (11 letters and digits): set id_scheme: CODE"))
        )
        return None
    return text


def _fields(where: str, value: object, allowed: set[str], errors: list[FieldError]) -> dict | None:
    if not isinstance(value, dict):
        errors.append(
            FieldError(
                where,
                N_("must be a mapping of {fields}"),
                params={"fields": ", ".join(sorted(allowed))},
            )
        )
        return None
    for extra in sorted(set(map(str, value)) - allowed):
        errors.append(FieldError(f"{where}.{printable(extra, 60)}", N_("unknown field")))
    return value


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _data_element(where: str, value: object, errors: list[FieldError]) -> dict | None:
    fields = _fields(where, value, {"disease", "metric"}, errors)
    if fields is None:
        return None
    try:
        disease = validate_disease_code(_text(fields.get("disease")))
    except ValueError as exc:
        errors.append(FieldError(f"{where}.disease", reason_of(exc), fields.get("disease")))
        disease = None
    metric = _text(fields.get("metric")).lower()
    if metric not in METRICS:
        errors.append(
            FieldError(
                f"{where}.metric",
                N_("unknown metric: {choices}"),
                fields.get("metric"),
                params={"choices": METRICS},
            )
        )
        return None
    return {"disease": disease, "metric": metric} if disease else None


def _combo(where: str, value: object, errors: list[FieldError]) -> dict | None:
    fields = _fields(where, value, {"classification", "age_group", "sex"}, errors)
    if fields is None:
        return None
    found = {
        "classification": _text(fields.get("classification")).lower(),
        "age_group": _text(fields.get("age_group")),
        "sex": _text(fields.get("sex")).lower(),
    }
    bad = len(errors)
    if found["classification"] not in CLASSIFICATIONS:
        errors.append(
            FieldError(
                f"{where}.classification",
                N_("unknown classification: {choices}"),
                fields.get("classification"),
                params={"choices": CLASSIFICATIONS},
            )
        )
    if found["age_group"] and not _AGE.fullmatch(found["age_group"]):
        errors.append(
            FieldError(
                f"{where}.age_group",
                N_("not an age group such as 0-4, 65+ or <1 (empty: all ages)"),
                found["age_group"],
            )
        )
    if found["sex"] and found["sex"] not in SEXES:
        errors.append(
            FieldError(
                f"{where}.sex",
                N_("unknown sex: {choices}"),
                fields.get("sex"),
                params={"choices": SEXES},
            )
        )
    return found if len(errors) == bad else None


def _org_unit(state: str) -> Any:
    areas = areas_of(state)

    def check(where: str, value: object, errors: list[FieldError]) -> str | None:
        code = _text(value).upper()
        if code == "" or code in areas:
            return code
        errors.append(
            FieldError(
                where,
                N_("not an ISO 3166-2 subdivision of {state} (leave empty for the whole state)"),
                printable(_text(value), 60),
                params={"state": state},
            )
        )
        return None

    return check


def validate(document: object, state: str) -> tuple[str, Content]:
    """The id scheme and the checked sections of ``document``; raises with every problem."""
    errors: list[FieldError] = []
    if not isinstance(document, dict):
        raise InvalidInput(
            N_("the mapping must be a YAML mapping with {sections}"),
            [FieldError("file", N_("not a mapping"))],
            params={"sections": ", ".join(SECTIONS)},
        )
    for extra in sorted(set(map(str, document)) - {*SECTIONS, "id_scheme"}):
        errors.append(FieldError(printable(extra, 60), N_("unknown section")))
    scheme = _text(document.get("id_scheme") or "UID").upper()
    if scheme not in ID_SCHEMES:
        errors.append(
            FieldError("id_scheme", N_("one of {choices}"), scheme, params={"choices": ID_SCHEMES})
        )
        scheme = "CODE"
    checks = {
        "data_elements": _data_element,
        "category_option_combos": _combo,
        "org_units": _org_unit(state),
    }
    content: Content = {}
    for section, check in checks.items():
        entries = document.get(section)
        if not isinstance(entries, dict) or not entries or len(entries) > MAX_ENTRIES:
            errors.append(
                FieldError(
                    section, N_("must map 1 to {limit} identifiers"), params={"limit": MAX_ENTRIES}
                )
            )
            continue
        content[section] = {}
        for raw_key, value in entries.items():
            key = _key(section, raw_key, scheme, errors)
            if key is None:
                continue
            checked = check(f"{section}.{key}", value, errors)
            if checked is not None:
                content[section][key] = checked
    if errors:
        raise InvalidInput(
            N_("the DHIS2 mapping of {state} was refused: {count} problem(s); nothing was loaded"),
            errors[:200],
            params={"state": state, "count": len(errors)},
        )
    return scheme, content
