"""Reading posted MeasureReports into observation rows, without a server: the mapping rules."""

from __future__ import annotations

import pytest

from epibridge.errors import InvalidInput
from epibridge.gateways.fhir import importing
from tests.gateways.fhir.helpers import report

BASE = "https://node.example"


def _rows(resource: dict) -> list[dict[str, str]]:
    reading = importing.read(importing.entries(resource, bundle=False))
    return [row.record for row in reading.rows]


def test_a_contained_organization_is_the_reporter() -> None:
    resource = report(BASE, stratifiers=[])
    resource["contained"] = [
        {
            "resourceType": "Organization",
            "id": "moh",
            "identifier": [{"system": "urn:iso:std:iso:3166", "value": "KGZ"}],
        }
    ]
    resource["reporter"] = {"reference": "#moh"}
    assert [(r["state"], r["classification"], r["value"]) for r in _rows(resource)] == [
        ("KGZ", "all", "12")
    ]
    resource["contained"][0]["identifier"][0]["value"] = "kg"
    with pytest.raises(InvalidInput) as refused:
        _rows(resource)
    assert [e.field for e in refused.value.errors] == [
        "MeasureReport.contained[0].identifier[0].value"
    ]
    resource["contained"] = 5
    with pytest.raises(InvalidInput) as refused:
        _rows(resource)
    assert [e.field for e in refused.value.errors] == ["MeasureReport.reporter"]


def test_the_measure_names_disease_and_metric_when_the_group_does_not() -> None:
    resource = report(BASE, stratifiers=[])
    resource["measure"] = "https://other.example/api/fhir/Measure/A09-deaths"
    del resource["group"][0]["code"]
    assert [(r["disease"], r["metric"]) for r in _rows(resource)] == [("A09", "deaths")]


def test_every_report_of_a_request_is_of_one_state() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": report(BASE)}, {"resource": report(BASE, state="KGZ")}],
    }
    with pytest.raises(InvalidInput) as refused:
        importing.read(importing.entries(bundle, bundle=True))
    assert [e.field for e in refused.value.errors] == ["Bundle.entry[1].resource.reporter"]
