"""Series as FHIR R4 MeasureReports: one report per state, period and area, a group per disease.

The numbers come from ``epidata.queries`` read with one ``SeriesSelector`` per stored stratum
(``queries.strata``); this module only lays them out. The group's own count is the series with
classification ``all``, every age and both sexes; each other series is a stratum of the
stratifier named by the fields it differs in (several fields: one stratum with components).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from epibridge.epidata.schemas import SeriesSet
from epibridge.epidata.selector import SeriesSelector
from epibridge.gateways.fhir import codes

Json = dict[str, Any]
Stratum = tuple[str, str, str]  # classification, age group, sex


@dataclass
class Report:
    """The numbers of one state's period, before they are written out as a resource."""

    state: str
    start: date
    end: date
    synthetic: bool = False
    values: dict[Stratum, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """Where the report stands in a searchset (paging order)."""
        return (self.state, self.start.isoformat())


def collect(readings: Iterable[tuple[SeriesSelector, SeriesSet]]) -> list[Report]:
    """The reports of the selectors' series, ordered by state and period."""
    reports: dict[tuple[str, date, date], Report] = {}
    for selector, result in readings:
        stratum = (selector.classification, selector.age_group, selector.sex)
        for series in result.series:
            for point in series.points:
                if point.value is None:
                    continue
                key = (series.state, point.period_start, point.period_end)
                report = reports.setdefault(key, Report(*key))
                report.values[stratum] = point.value
                report.synthetic = report.synthetic or series.synthetic
    return sorted(reports.values(), key=lambda r: (r.key, r.end))


def _coding(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}], "text": code}


def _counted(value: int) -> Json:
    population = {
        "code": _coding(codes.MEASURE_POPULATION, "initial-population"),
        "count": value,
    }
    return {"population": [population], "measureScore": {"value": value}}


def _differs(stratum: Stratum) -> tuple[str, ...]:
    named = dict(zip(codes.STRATA_FIELDS, stratum, strict=True))
    return tuple(name for name, value in named.items() if value != codes.GROUP_DEFAULTS[name])


def _value(base: str, name: str, value: str) -> Json:
    if name == "sex":
        return _coding(codes.GENDER, value)
    return _coding(codes.system(base, codes.STRATA_FIELDS[name]), value)


def _stratifier_code(base: str, name: str) -> Json:
    return _coding(codes.system(base, codes.STRATIFIER), codes.STRATA_FIELDS[name])


def _stratifiers(base: str, values: dict[Stratum, int]) -> list[Json]:
    by_fields: dict[tuple[str, ...], list[Json]] = {}
    for stratum, value in sorted(values.items()):
        names = _differs(stratum)
        if not names:
            continue
        named = dict(zip(codes.STRATA_FIELDS, stratum, strict=True))
        entry: Json
        if len(names) == 1:
            entry = {"value": _value(base, names[0], named[names[0]])}
        else:
            entry = {
                "component": [
                    {"code": _stratifier_code(base, n), "value": _value(base, n, named[n])}
                    for n in names
                ]
            }
        by_fields.setdefault(names, []).append({**entry, **_counted(value)})
    order = sorted(
        by_fields, key=lambda names: (len(names), [*map(list(codes.STRATA_FIELDS).index, names)])
    )
    return [
        {"code": [_stratifier_code(base, n) for n in names], "stratum": by_fields[names]}
        for names in order
    ]


def measure_report(
    base: str, selector: SeriesSelector, report: Report, *, now: datetime, name: str = ""
) -> Json:
    """One MeasureReport resource (R4 4.0.1 JSON) of ``report``; ``name`` is the state's."""
    group: Json = {
        "code": {
            "coding": [
                {"system": codes.ICD10, "code": selector.disease},
                {"system": codes.system(base, codes.METRIC), "code": selector.metric},
            ],
            "text": f"{selector.disease} {selector.metric}",
        }
    }
    total = report.values.get(("all", "", ""))
    if total is not None:
        group.update(_counted(total))
    stratifiers = _stratifiers(base, report.values)
    if stratifiers:
        group["stratifier"] = stratifiers
    reporter: Json = {
        "type": "Organization",
        "identifier": {"system": codes.ISO3166, "value": report.state},
    }
    if name:
        reporter["display"] = name
    resource: Json = {
        "resourceType": "MeasureReport",
        "id": report_id(selector, report),
        "status": "complete",
        "type": "summary",
        "measure": codes.measure_url(base, selector.disease, selector.metric),
        "date": now.isoformat(timespec="seconds"),
        "reporter": reporter,
        "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "group": [group],
    }
    if selector.area:
        resource["subject"] = {
            "type": "Location",
            "identifier": {"system": codes.ISO3166_2, "value": selector.area},
        }
    if report.synthetic:
        resource["meta"] = {"tag": synthetic_tags(base)}
    return resource


def synthetic_tags(base: str) -> list[Json]:
    """The tags of generated demo data: FHIR's "test health data" and epibridge's own."""
    return [
        {"system": codes.ACT_REASON, "code": "HTEST", "display": "test health data"},
        {
            "system": codes.system(base, codes.TAG),
            "code": "synthetic",
            "display": "synthetic demo data, not surveillance",
        },
    ]


def report_id(selector: SeriesSelector, report: Report) -> str:
    """The report's id: state, area, disease, metric and period, stable across exports."""
    return codes.resource_id(
        report.state,
        selector.area,
        selector.disease,
        selector.metric,
        report.start.strftime("%Y%m%d"),
        report.end.strftime("%Y%m%d"),
    )
