"""MeasureReports built by hand, as a national FHIR system would send them, and their checks.

The installed ``fhir.resources`` 8.3 models R5 by default and R4B in ``fhir.resources.R4B``;
no R4 (4.0.1) build of it is installed or listed for this machine. R4B changed no element of
MeasureReport, Bundle, OperationOutcome or CapabilityStatement that these resources use
(R4B's changes are to medication definition, subscriptions and evidence resources), so R4B's
models are the independent check of the R4 JSON the gateway writes.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.measurereport import MeasureReport
from fhir.resources.R4B.operationoutcome import OperationOutcome

ICD10 = "http://hl7.org/fhir/sid/icd-10"
POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
GENDER = "http://hl7.org/fhir/administrative-gender"
MODELS = {
    "Bundle": Bundle,
    "MeasureReport": MeasureReport,
    "OperationOutcome": OperationOutcome,
    "CapabilityStatement": CapabilityStatement,
}


def valid(resource: dict[str, Any]) -> Any:
    """The resource parsed by fhir.resources (R4B): raises when it is not valid FHIR."""
    return MODELS[resource["resourceType"]].model_validate(resource)


def coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def counted(value: Any, *, score_only: bool = False) -> dict[str, Any]:
    if score_only:
        return {"measureScore": {"value": value}}
    return {"population": [{"code": coded(POPULATION, "initial-population"), "count": value}]}


def stratifier(base: str, name: str, strata: dict[str, Any], **kw: bool) -> dict[str, Any]:
    system = GENDER if name == "sex" else f"{base}/api/fhir/CodeSystem/{name}"
    return {
        "code": [coded(f"{base}/api/fhir/CodeSystem/stratifier", name)],
        "stratum": [{"value": coded(system, v), **counted(n, **kw)} for v, n in strata.items()],
    }


def report(
    base: str,
    *,
    state: str = "KAZ",
    start: str = "2024-01-29",
    end: str = "2024-02-04",
    total: Any = 12,
    stratifiers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A summary MeasureReport of J11 cases with strata by classification, age group and sex."""
    if stratifiers is None:
        stratifiers = [
            stratifier(base, "classification", {"confirmed": 7, "suspected": 5}),
            stratifier(base, "age-group", {"0-4": 3, "65+": 2}),
            stratifier(base, "sex", {"female": 6, "male": 6}),
        ]
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": f"{base}/api/fhir/Measure/J11-cases",
        "reporter": {"identifier": {"system": "urn:iso:std:iso:3166", "value": state}},
        "period": {"start": start, "end": end},
        "group": [
            {
                "code": {
                    "coding": [
                        {"system": ICD10, "code": "J11"},
                        {"system": f"{base}/api/fhir/CodeSystem/metric", "code": "cases"},
                    ]
                },
                **counted(total),
                "stratifier": stratifiers,
            }
        ],
    }


def transaction(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": "MeasureReport"}}
            for r in resources
        ],
    }


def strata(resource: dict[str, Any]) -> dict[tuple[str, ...], int]:
    """A report's counts by stratum codes, read from the fhir.resources model (not our JSON)."""
    model = MeasureReport.model_validate(resource)
    out: dict[tuple[str, ...], int] = {}
    for group in model.group:
        if group.population:
            out[()] = group.population[0].count
        for strat in group.stratifier or []:
            for stratum in strat.stratum:
                if stratum.value is not None:
                    key = (stratum.value.coding[0].code,)
                else:
                    key = tuple(c.value.coding[0].code for c in stratum.component)
                out[key] = stratum.population[0].count
    return out


def expressions(outcome: dict[str, Any]) -> list[str]:
    parsed = OperationOutcome.model_validate(outcome)
    return [e for issue in parsed.issue for e in (issue.expression or [])]
