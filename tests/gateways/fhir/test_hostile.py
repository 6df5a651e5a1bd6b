"""Whatever a client posts or asks, the FHIR routes answer an OperationOutcome, never a 500."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests.gateways.fhir.helpers import expressions, report, stratifier, valid
from tests.helpers import bearer, make_user

FHIR_JSON = "application/fhir+json"


def _outcome(answer: httpx.Response, status: int = 422) -> list[str]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith(FHIR_JSON)
    return expressions(answer.json())


def _bad(base: str, path: list[Any], value: Any) -> dict[str, Any]:
    resource = report(
        base,
        stratifiers=[
            stratifier(base, "classification", {"confirmed": 7}),
            stratifier(base, "sex", {"female": 6}),
        ],
    )
    node = resource
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return resource


G = ["group", 0]
CASES: list[tuple[list[Any], Any, str]] = [
    ([*G, "population", 0, "count"], 10**30, "MeasureReport.group[0].population[0].count"),
    ([*G, "population", 0, "count"], "12", "MeasureReport.group[0].population[0].count"),
    ([*G, "population", 0, "count"], 1.5, "MeasureReport.group[0].population[0].count"),
    ([*G, "code", "coding", 0, "code"], "J1\u0000", "MeasureReport.group[0].code"),
    ([*G, "code", "coding", 0, "code"], "ZZZ", "MeasureReport.group[0].code"),
    ([*G, "code", "coding", 1, "code"], "beds", "MeasureReport.group[0].code"),
    (
        [*G, "stratifier", 0, "stratum", 0, "value", "coding", 0, "code"],
        "maybe",
        "MeasureReport.group[0].stratifier[0].stratum[0].value",
    ),
    (
        [*G, "stratifier", 1, "stratum", 0, "value", "coding", 0, "code"],
        "other",
        "MeasureReport.group[0].stratifier[1].stratum[0].value",
    ),
    (
        [*G, "stratifier", 1, "code", 0, "coding", 0, "code"],
        "colour",
        "MeasureReport.group[0].stratifier[1].code[0]",
    ),
    (["reporter", "identifier", "value"], "K\u0007Z", "MeasureReport.reporter.identifier.value"),
    (["reporter", "identifier", "value"], "XYZ", "MeasureReport.reporter"),
    (["period", "end"], "2024-02-05", "MeasureReport.period.end"),
    (["period", "start"], "29/01/2024", "MeasureReport.period.start"),
    (["status"], "pending", "MeasureReport.status"),
    (["resourceType"], "Patient", "MeasureReport.resourceType"),
]


@pytest.fixture
def fp(live_url: str, sessions: sessionmaker[Session]) -> str:
    return make_user(sessions, "fp-kaz", "focal_point", "KAZ")


def _post(base: str, token: str, content: bytes, path: str = "/api/fhir/MeasureReport"):
    return httpx.post(base + path, content=content, headers=bearer(token))


def test_refusals_name_the_element(live_url: str, fp: str) -> None:
    for path, value, where in CASES:
        answer = _post(live_url, fp, json.dumps(_bad(live_url, path, value)).encode())
        assert where in _outcome(answer), (path, value)
    for raw in (b"{", b"[1]", b"\xff\xfe", b"[" * 100_000, b'{"a": NaN}', b"1" * 5000):
        assert _outcome(_post(live_url, fp, raw)) == ["body"], raw[:20]
    assert _outcome(_post(live_url, fp, b'{"resourceType": "MeasureReport"}', "/api/fhir")) == [
        "Bundle.resourceType"
    ]
    search = f"{live_url}/api/fhir/MeasureReport"
    for params, where in (
        ({"state": "KAZ", "disease": "J11", "period": "2024-W60"}, "period"),
        ({"state": "KAZ", "disease": "J11", "period": "gt9999-12-31"}, "period"),
        ({"state": "KAZ", "disease": "J11", "_count": "0"}, "limit"),
        ({"state": "KAZ", "disease": "J11", "_cursor": "nonsense"}, "cursor"),
        ({"state": "KAZ", "disease": "J11", "subject": "x"}, "subject"),
        ({"state": "KAZ"}, "disease"),
    ):
        assert where in _outcome(httpx.get(search, params=params, headers=bearer(fp))), params
    assert _outcome(httpx.get(f"{live_url}/api/fhir/Patient/1", headers=bearer(fp)), 404)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
PLACES = [path for path, _, _ in CASES] + [["group"], [*G, "stratifier"], ["reporter"], ["period"]]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(place=st.sampled_from(PLACES), value=JSON)
def test_any_value_anywhere_is_answered_in_fhir(
    live_url: str, fp: str, place: list[Any], value: Any
) -> None:
    resource = _bad(live_url, copy.deepcopy(place), value)
    answer = _post(live_url, fp, json.dumps(resource).encode())
    assert answer.status_code in (201, 403, 422), answer.text
    assert answer.headers["content-type"].startswith(FHIR_JSON)
    valid(answer.json())
