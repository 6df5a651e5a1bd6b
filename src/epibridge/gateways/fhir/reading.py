"""A posted MeasureReport read into the rows of an observation file, each value's path kept.

Codes map as the export writes them (``export``): the reporter's ISO 3166 identifier is the
state, ``subject`` an ISO 3166-2 area, ``group.code`` the disease (ICD-10) and the metric
(epibridge's code system, or the ``/Measure/{disease}-{metric}`` canonical), each stratifier's
code a series field (classification, age-group, sex) and each stratum's value its code. A
count is the ``initial-population`` count or, without one, ``measureScore.value``. Whether the
codes and numbers are acceptable is the epidemic database's rule (the CSV path's checks); this
only refuses what it cannot place, naming the element, and remembers where each row's
columns came from so the database's refusals can name the element too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from epibridge.errors import FieldError
from epibridge.gateways.fhir import codes
from epibridge.i18n import N_

Json = dict[str, Any]
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T[0-9:.+\-Z]*)?")
_MEASURE = re.compile(r".*/Measure/([A-Za-z0-9.]+)-([a-z_]+)")
_ISO3 = re.compile(r"[A-Z]{3}")


@dataclass
class Row:
    """One count as an observation-file record, and the path of each of its columns."""

    record: dict[str, str]
    paths: dict[str, str]


@dataclass
class Reading:
    """What one request's resources held: rows, problems, the state of each report."""

    rows: list[Row] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)
    states: list[tuple[str, str]] = field(default_factory=list)  # (state, reporter path)

    def refuse(self, path: str, reason: str, value: object = None, **params: object) -> None:
        self.problems.append(FieldError(path, reason, _shown(value), params=params or None))


def _shown(value: object) -> object:
    if isinstance(value, dict | list):
        return None
    return value


def _codings(concept: object) -> list[Json]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [c for c in concept["coding"] if isinstance(c, dict)]


def _code_of(concept: object, test: Any) -> str | None:
    for coding in _codings(concept):
        if test(coding.get("system")) and isinstance(coding.get("code"), str):
            return coding["code"]
    return None


def _state(reading: Reading, resource: Json, path: str) -> str | None:
    reporter = resource.get("reporter")
    where = f"{path}.reporter"
    identifier = reporter.get("identifier") if isinstance(reporter, dict) else None
    reference = reporter.get("reference") if isinstance(reporter, dict) else None
    if identifier is None and isinstance(reference, str) and reference.startswith("#"):
        found = resource.get("contained")
        for i, contained in enumerate(found if isinstance(found, list) else []):
            if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                ids = contained.get("identifier")
                identifier = ids[0] if isinstance(ids, list) and ids else None
                where = f"{path}.contained[{i}].identifier[0]"
    if not isinstance(identifier, dict) or identifier.get("system") != codes.ISO3166:
        reading.refuse(
            where,
            N_("the reporter is the state: an identifier with system {system} and its ISO3 code"),
            reference,
            system=codes.ISO3166,
        )
        return None
    value = identifier.get("value")
    if not isinstance(value, str) or not _ISO3.fullmatch(value):
        reading.refuse(
            f"{where}.identifier.value" if where.endswith("reporter") else f"{where}.value",
            N_("an ISO 3166-1 alpha-3 code"),
            value,
        )
        return None
    reading.states.append((value, where))
    return value


def _area(reading: Reading, resource: Json, path: str) -> str | None:
    subject = resource.get("subject")
    if subject is None:
        return ""
    identifier = subject.get("identifier") if isinstance(subject, dict) else None
    if not isinstance(identifier, dict) or identifier.get("system") != codes.ISO3166_2:
        reading.refuse(
            f"{path}.subject",
            N_("the subject is an area: an identifier with system {system} (or no subject)"),
            system=codes.ISO3166_2,
        )
        return None
    value = identifier.get("value")
    if not isinstance(value, str):
        reading.refuse(f"{path}.subject.identifier.value", N_("an ISO 3166-2 code"), value)
        return None
    return value


def _period(reading: Reading, resource: Json, path: str) -> tuple[str, str] | None:
    period = resource.get("period")
    days = []
    for end in ("start", "end"):
        value = period.get(end) if isinstance(period, dict) else None
        match = _DATE.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            reading.refuse(f"{path}.period.{end}", N_("a date YYYY-MM-DD"), value)
        else:
            days.append(match.group(1))
    return (days[0], days[1]) if len(days) == 2 else None


def _group_code(reading: Reading, resource: Json, group: Json, path: str) -> tuple[str, str] | None:
    code = group.get("code")
    disease = _code_of(code, lambda s: s == codes.ICD10)
    metric = _code_of(code, lambda s: codes.is_system(s, codes.METRIC))
    measure = resource.get("measure")
    found = _MEASURE.fullmatch(measure) if isinstance(measure, str) else None
    if found is not None:
        disease, metric = disease or found.group(1), metric or found.group(2)
    if disease is None or metric is None:
        reading.refuse(
            f"{path}.code",
            N_("the group's code names the disease (ICD-10) and the metric (epibridge's codes)"),
        )
        return None
    return disease, metric


def _count(reading: Reading, node: Json, path: str) -> tuple[str, str] | None:
    """The node's count as text and its path; None when it has none."""
    found: tuple[object, str] | None = None
    populations = node.get("population")
    for i, population in enumerate(populations if isinstance(populations, list) else []):
        kind = _code_of(
            population.get("code") if isinstance(population, dict) else None,
            lambda s: s == codes.MEASURE_POPULATION,
        )
        if kind != "initial-population":
            reading.refuse(
                f"{path}.population[{i}].code", N_("only an initial-population count is imported")
            )
            continue
        found = (population.get("count"), f"{path}.population[{i}].count")
    score = node.get("measureScore")
    if isinstance(score, dict) and "value" in score:
        at = f"{path}.measureScore.value"
        if found is not None and found[0] != score["value"]:
            reading.refuse(at, N_("differs from the initial-population count"), score["value"])
        found = found or (score["value"], at)
    if found is None:
        return None
    value, at = found
    if isinstance(value, bool) or not isinstance(value, int | float):
        reading.refuse(at, N_("a count is a whole number"), value)
        return None
    return str(value), at


def _stratum_value(reading: Reading, name: str, concept: object, path: str) -> str | None:
    if name == "sex":
        value = _code_of(concept, lambda s: s == codes.GENDER)
    else:
        value = _code_of(concept, lambda s: codes.is_system(s, codes.STRATA_FIELDS[name]))
    if value is None:
        reading.refuse(path, N_("a code of the {name} code system"), name=name)
    return value


def _stratifier_fields(reading: Reading, stratifier: Json, path: str) -> list[str] | None:
    names = []
    concepts = stratifier.get("code")
    for k, concept in enumerate(concepts if isinstance(concepts, list) else [None]):
        code = _code_of(concept, lambda s: codes.is_system(s, codes.STRATIFIER))
        if code not in codes.FIELD_OF_STRATIFIER:
            reading.refuse(
                f"{path}.code[{k}]", N_("a stratifier code: classification, age-group or sex")
            )
            return None
        names.append(codes.FIELD_OF_STRATIFIER[code])
    return names


def _stratum_fields(
    reading: Reading, names: list[str], stratum: Json, path: str
) -> dict[str, str] | None:
    if "component" not in stratum:
        if len(names) != 1:
            reading.refuse(f"{path}.value", N_("a stratum of several codes has components"))
            return None
        value = _stratum_value(reading, names[0], stratum.get("value"), f"{path}.value")
        return None if value is None else {names[0]: value}
    found: dict[str, str] = {}
    components = stratum["component"]
    for c, component in enumerate(components if isinstance(components, list) else []):
        at = f"{path}.component[{c}]"
        component = component if isinstance(component, dict) else {}
        code = _code_of(component.get("code"), lambda s: codes.is_system(s, codes.STRATIFIER))
        name = codes.FIELD_OF_STRATIFIER.get(code or "")
        if name is None:
            reading.refuse(f"{at}.code", N_("a stratifier code: classification, age-group or sex"))
            return None
        value = _stratum_value(reading, name, component.get("value"), f"{at}.value")
        if value is None:
            return None
        found[name] = value
    return found


def _add(
    reading: Reading, base: dict[str, str], paths: dict[str, str], count: tuple[str, str]
) -> None:
    value, at = count
    reading.rows.append(Row({**base, "value": value}, {**paths, "value": at}))


def _group(reading: Reading, resource: Json, group: object, key: dict[str, str], path: str) -> None:
    paths = {
        "state": key["state_path"],
        "area": key["area_path"],
        "period_start": key["start_path"],
        "period_end": key["end_path"],
    }
    key = {k: v for k, v in key.items() if not k.endswith("_path")}
    if not isinstance(group, dict):
        reading.refuse(path, N_("a group is an object"))
        return
    found = _group_code(reading, resource, group, path)
    if found is None:
        return
    base = {**key, "disease": found[0], "metric": found[1], **codes.GROUP_DEFAULTS}
    paths = {**paths, "disease": f"{path}.code", "metric": f"{path}.code"}
    count = _count(reading, group, path)
    if count is not None:
        _add(reading, base, paths, count)
    stratifiers = group.get("stratifier")
    for s, stratifier in enumerate(stratifiers if isinstance(stratifiers, list) else []):
        at = f"{path}.stratifier[{s}]"
        names = _stratifier_fields(reading, stratifier if isinstance(stratifier, dict) else {}, at)
        strata = stratifier.get("stratum") if names and isinstance(stratifier, dict) else None
        for t, stratum in enumerate(strata if isinstance(strata, list) else []):
            here = f"{at}.stratum[{t}]"
            stratum = stratum if isinstance(stratum, dict) else {}
            values = _stratum_fields(reading, names or [], stratum, here)
            count = _count(reading, stratum, here) if values is not None else None
            if values is None or count is None:
                continue
            where = {n: f"{here}.value" for n in values}
            _add(reading, {**base, **values}, {**paths, **where}, count)


def read_report(reading: Reading, resource: object, path: str) -> None:
    """Add the rows of one MeasureReport at ``path`` (``MeasureReport``, ``Bundle.entry[0]...``)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "MeasureReport":
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        reading.refuse(f"{path}.resourceType", N_("a MeasureReport"), kind)
        return
    if resource.get("status") != "complete":
        reading.refuse(
            f"{path}.status", N_("only a complete report is imported"), resource.get("status")
        )
    if resource.get("type") not in ("summary", "data-collection"):
        reading.refuse(f"{path}.type", N_("a summary report"), resource.get("type"))
    state = _state(reading, resource, path)
    area = _area(reading, resource, path)
    period = _period(reading, resource, path)
    groups = resource.get("group")
    if not isinstance(groups, list) or not groups:
        reading.refuse(f"{path}.group", N_("a report has at least one group"))
        return
    # Without a state, area or period the groups are still read: every problem is named at once.
    key = {
        "state": state or "",
        "area": area or "",
        "period_start": period[0] if period else "",
        "period_end": period[1] if period else "",
        "state_path": f"{path}.reporter",
        "area_path": f"{path}.subject",
        "start_path": f"{path}.period.start",
        "end_path": f"{path}.period.end",
    }
    before = len(reading.rows)
    for g, group in enumerate(groups):
        _group(reading, resource, group, key, f"{path}.group[{g}]")
    if len(reading.rows) == before and not reading.problems:
        reading.refuse(f"{path}.group", N_("the report carries no count"))
