"""The FHIR gateway over real HTTP: search contract, round trip, paging, refusals, permissions."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.epidata.helpers import submit, weekly
from tests.gateways.fhir.helpers import (
    expressions,
    report,
    strata,
    stratifier,
    transaction,
    valid,
)
from tests.helpers import bearer, make_user

FHIR_JSON = "application/fhir+json"
SANER = Path(__file__).parents[2] / "fixtures" / "fhir"
SANER = SANER / "saner-ExampleNJ-20200404-CDCPatientImpactAndHospitalCapacity.json"


def _post(base: str, token: str, body: object, path: str = "/api/fhir/MeasureReport", **kw: str):
    return httpx.post(
        base + path,
        content=json.dumps(body),
        headers={**bearer(token), "Content-Type": FHIR_JSON, **kw},
    )


def _series(base: str, token: str, **params: str) -> list[int | None]:
    query = {"state": "KAZ", "disease": "J11", **params}
    body = httpx.get(f"{base}/api/v1/data/series", params=query, headers=bearer(token)).json()
    return [p["value"] for p in body["series"][0]["points"]]


def test_round_trip_import_series_and_search(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    sent = report(live_url)
    sent["group"][0]["stratifier"].append(
        {
            "code": [
                {"coding": [{"system": f"{live_url}/api/fhir/CodeSystem/stratifier", "code": c}]}
                for c in ("classification", "sex")
            ],
            "stratum": [
                {
                    "component": [
                        {
                            "code": stratifier(live_url, "classification", {})["code"][0],
                            "value": {
                                "coding": [
                                    {
                                        "system": f"{live_url}/api/fhir/CodeSystem/classification",
                                        "code": "confirmed",
                                    }
                                ]
                            },
                        },
                        {
                            "code": stratifier(live_url, "sex", {})["code"][0],
                            "value": {
                                "coding": [
                                    {
                                        "system": "http://hl7.org/fhir/administrative-gender",
                                        "code": "female",
                                    }
                                ]
                            },
                        },
                    ],
                    "population": [
                        {
                            "code": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/"
                                        "measure-population",
                                        "code": "initial-population",
                                    }
                                ]
                            },
                            "count": 4,
                        }
                    ],
                }
            ],
        }
    )
    valid(sent)
    created = _post(live_url, fp, sent)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(FHIR_JSON)
    assert created.headers["location"].endswith("/MeasureReport/KAZ-J11-cases-20240129-20240204")
    valid(created.json())

    assert _series(live_url, fp, classification="all") == [12]
    assert _series(live_url, fp, classification="confirmed") == [7]
    assert _series(live_url, fp, classification="all", age_group="65+") == [2]
    assert _series(live_url, fp, classification="confirmed", sex="female") == [4]

    found = httpx.get(
        f"{live_url}/api/fhir/MeasureReport",
        params={"state": "KAZ", "disease": "J11", "metric": "cases", "period": "2024-W05"},
        headers=bearer(fp),
    )
    assert found.status_code == 200 and found.headers["content-type"].startswith(FHIR_JSON)
    bundle = valid(found.json())
    assert bundle.type == "searchset" and bundle.total == 1
    resource = found.json()["entry"][0]["resource"]
    assert resource["resourceType"] == "MeasureReport" and resource["type"] == "summary"
    assert resource["status"] == "complete" and "meta" not in resource  # reported, not demo
    assert resource["period"] == {"start": "2024-01-29", "end": "2024-02-04"}
    assert resource["reporter"]["identifier"] == {"system": "urn:iso:std:iso:3166", "value": "KAZ"}
    assert resource["measure"] == f"{live_url}/api/fhir/Measure/J11-cases"
    assert strata(resource) == strata(sent)
    # What was exported imports again unchanged: the same submission, nothing revised.
    again = _post(live_url, fp, found.json()["entry"][0]["resource"])
    assert again.status_code == 201, again.text
    assert _series(live_url, fp, classification="confirmed") == [7]
    history = httpx.get(
        f"{live_url}/api/v1/data/series/history",
        params={"state": "KAZ", "disease": "J11", "classification": "confirmed"},
        headers=bearer(fp),
    ).json()
    assert len(history["versions"]) == 1  # the same count again is no new revision


def test_search_pages_several_states_and_labels_synthetic_data(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    reader = make_user(sessions, "sec", "secretariat")
    for state, values in (("KAZ", [1, 2, 3]), ("KGZ", [4, 5, 6])):
        submit(sessions, weekly(state, "J11", "2024-01-01", values), state=state, synthetic=True)
    params = [
        ("state", "KAZ,KGZ"),
        ("disease", "J11"),
        ("period", "ge2024-01-01"),
        ("period", "le2024-01-21"),
        ("_count", "4"),
    ]
    first = httpx.get(f"{live_url}/api/fhir/MeasureReport", params=params, headers=bearer(reader))
    assert first.status_code == 200, first.text
    page = valid(first.json())
    assert page.total == 6 and len(page.entry) == 4
    following = [link.url for link in page.link if link.relation == "next"]
    rest = valid(httpx.get(following[0], headers=bearer(reader)).json())
    assert not [link for link in rest.link if link.relation == "next"]
    seen = [e.resource for e in [*page.entry, *rest.entry]]
    assert [(r.reporter.identifier.value, str(r.period.start)) for r in seen] == [
        ("KAZ", "2024-01-01"),
        ("KAZ", "2024-01-08"),
        ("KAZ", "2024-01-15"),
        ("KGZ", "2024-01-01"),
        ("KGZ", "2024-01-08"),
        ("KGZ", "2024-01-15"),
    ]
    assert [r.group[0].stratifier[0].stratum[0].population[0].count for r in seen] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert all("HTEST" in [t.code for t in r.meta.tag] for r in seen)
    # A month is one report per state, summing the weeks whose Thursday falls in it.
    month = httpx.get(
        f"{live_url}/api/fhir/MeasureReport",
        params={"state": ["KAZ", "KGZ"], "disease": "J11", "period": "2024-01"},
        headers=bearer(reader),
    ).json()
    months = [e.resource for e in valid(month).entry]
    assert [(str(r.period.start), str(r.period.end)) for r in months] == [
        ("2024-01-01", "2024-01-31")
    ] * 2
    assert [r.group[0].stratifier[0].stratum[0].population[0].count for r in months] == [6, 15]


def test_transaction_is_atomic_and_refusals_name_the_element(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    bad = report(
        live_url,
        start="2024-02-12",
        end="2024-02-18",
        stratifiers=[
            stratifier(live_url, "classification", {"confirmed": 1}),
            stratifier(live_url, "age-group", {"0-4": -1}, score_only=True),
        ],
    )
    bundle = transaction(
        report(live_url),
        report(live_url, start="2024-02-05", end="2024-02-11"),
        bad,
    )
    refused = _post(live_url, fp, bundle, "/api/fhir", **{"Accept-Language": "ru"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(FHIR_JSON)
    assert expressions(refused.json()) == [
        "Bundle.entry[2].resource.group[0].stratifier[1].stratum[0].measureScore.value"
    ]
    english = _post(live_url, fp, bundle, "/api/fhir").json()
    assert refused.json()["issue"][1]["details"]["text"] != english["issue"][1]["details"]["text"]
    assert "negative" in english["issue"][1]["details"]["text"]
    assert _series(live_url, fp, classification="all") == []  # nothing of the bundle landed

    bad["group"][0]["stratifier"][1] = stratifier(live_url, "age-group", {"0-4": 1})
    done = _post(live_url, fp, bundle, "/api/fhir")
    assert done.status_code == 200, done.text
    answer = valid(done.json())
    assert answer.type == "transaction-response" and len(answer.entry) == 3
    assert answer.entry[2].response.location == "MeasureReport/KAZ-J11-cases-20240212-20240218"
    assert _series(live_url, fp, classification="all") == [12, 12, 12]


def test_another_states_data_is_forbidden(live_url: str, sessions: sessionmaker[Session]) -> None:
    kgz = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    refused = _post(live_url, kgz, report(live_url, state="KAZ"))
    assert refused.status_code == 403, refused.text
    assert valid(refused.json()).issue[0].code == "forbidden"
    anonymous = httpx.post(f"{live_url}/api/fhir/MeasureReport", content=b"{}")
    assert anonymous.status_code == 401 and valid(anonymous.json()).issue[0].code == "login"
    system = make_user(sessions, "sys-kaz", "system", "KAZ")
    assert _post(live_url, system, report(live_url, state="KAZ")).status_code == 201


def test_an_independent_saner_report_is_read_and_imported(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    """HL7 SANER's example: valid R4, refused as sent (its codes are not ours), then mapped."""
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    example = json.loads(SANER.read_text())
    valid(example)
    refused = _post(live_url, fp, example)
    assert refused.status_code == 422
    assert expressions(refused.json()) == [
        "MeasureReport.reporter",
        "MeasureReport.subject",
        *(f"MeasureReport.group[{g}].code" for g in range(3)),
    ]
    # Mapped: the reporter and area are ours, the encounters group is COVID-19 hospital cases;
    # SANER's period, structure and count stay as published.
    example["reporter"] = {"identifier": {"system": "urn:iso:std:iso:3166", "value": "KAZ"}}
    del example["subject"]
    encounters = example["group"][2]
    encounters["code"]["coding"] = [
        {"system": "http://hl7.org/fhir/sid/icd-10", "code": "U07.1"},
        {"system": f"{live_url}/api/fhir/CodeSystem/metric", "code": "hospitalisations"},
    ]
    encounters["population"] = encounters["population"][:1]  # its initial population
    example["group"] = [encounters]
    valid(example)
    created = _post(live_url, fp, example)
    assert created.status_code == 201, created.text
    found = httpx.get(
        f"{live_url}/api/fhir/MeasureReport",
        params={
            "state": "KAZ",
            "disease": "U07.1",
            "metric": "hospitalisations",
            "period": "2020-04-04",
            "granularity": "day",
        },
        headers=bearer(fp),
    ).json()
    back = valid(found).entry[0].resource
    assert back.group[0].population[0].count == encounters["population"][0]["count"]
    assert str(back.period.start) == "2020-04-04"


def test_capability_statement(live_url: str) -> None:
    answer = httpx.get(f"{live_url}/api/fhir/metadata")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(FHIR_JSON)
    statement = valid(answer.json())
    assert statement.fhirVersion == "4.0.1" and "json" in statement.format
    resource = statement.rest[0].resource[0]
    assert resource.type == "MeasureReport"
    assert {i.code for i in resource.interaction} == {"search-type", "create"}
    assert {p.name for p in resource.searchParam} >= {"state", "disease", "metric", "period"}
    assert [i.code for i in statement.rest[0].interaction] == ["transaction"]
