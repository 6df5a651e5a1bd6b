"""dataValueSets over real HTTP: the contract (an ApiToken of a system account, 200, status,
importCount, the values in /api/v1/data/series), JSON, CSV and ADX in, read back, dry run,
DELETE, the three authentication schemes, another state's focal point refused."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.epidata.models import Submission
from tests.gateways.dhis2.helpers import (
    ALMATY,
    CASES,
    CONFIRMED,
    DEATHS,
    SUSPECTED_MALE,
    WHOLE,
    load,
    value,
)
from tests.helpers import bearer, make_user

URL = "/api/dhis2/dataValueSets"


def _series(base: str, token: str, **params: str) -> list[tuple[str, int | None]]:
    query = {"state": "KAZ", "disease": "J11", "classification": "confirmed", **params}
    body = httpx.get(f"{base}/api/v1/data/series", params=query, headers=bearer(token)).json()
    return [(p["period_start"], p["value"]) for p in body["series"][0]["points"]]


def _submissions(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(Submission)).scalar_one()


def test_the_contract_and_the_three_formats(live_url: str, sessions: sessionmaker[Session]) -> None:
    load(sessions)
    system = make_user(sessions, "dhis2-kaz", "system", "KAZ")
    api_token = {"Authorization": f"ApiToken {system}"}
    payload = {
        "dataSet": "BfMAe6Itzgt",
        "completeDate": "2024-02-05",
        "orgUnit": WHOLE,
        "dataValues": [
            value(CASES, "2024W05", WHOLE, CONFIRMED, "12"),
            value(CASES, "2024W06", WHOLE, CONFIRMED, 0),  # a number, and a real zero
            value(DEATHS, "2024W05", WHOLE, CONFIRMED, "1"),
            value(CASES, "2024W05", ALMATY, SUSPECTED_MALE, "3"),
            value("uNmApPeDxx1", "2024W05", WHOLE, CONFIRMED, "99"),
        ],
    }
    dry = httpx.post(f"{live_url}{URL}?dryRun=true", json=payload, headers=api_token)
    assert dry.status_code == 200 and dry.json()["importCount"]["imported"] == 4
    assert _submissions(sessions) == 0

    answer = httpx.post(f"{live_url}{URL}", json=payload, headers=api_token)
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert summary["responseType"] == "ImportSummary" and summary["status"] == "WARNING"
    assert summary["importCount"] == {"imported": 4, "updated": 0, "ignored": 1, "deleted": 0}
    [conflict] = summary["conflicts"]
    assert conflict["object"] == "uNmApPeDxx1" and WHOLE in conflict["value"]
    assert "2024W05" in conflict["value"]
    assert _series(live_url, system) == [("2024-01-29", 12), ("2024-02-05", 0)]

    # CSV with DHIS2's header, Bearer; a revision of week 5 and a new week 7.
    csv = (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        f"lastupdated,comment,followup,deleted\n{CASES},2024W05,{WHOLE},{CONFIRMED},"
        f"HllvX50cXC0,15,admin,2024-02-06,,false,\n{CASES},2024W07,{WHOLE},{CONFIRMED},"
        "HllvX50cXC0,4,,,,,\n"
    )
    answer = httpx.post(
        f"{live_url}{URL}", content=csv, headers={**bearer(system), "Content-Type": "text/csv"}
    )
    assert answer.json()["importCount"] == {"imported": 1, "updated": 1, "ignored": 0, "deleted": 0}

    # ADX (an ISO 8601 interval per group), HTTP Basic with the account name and the token.
    adx = (
        f'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="{WHOLE}" period="2024-02-19/P1W" '
        f'dataSet="BfMAe6Itzgt"><dataValue dataElement="{CASES}" '
        f'categoryOptionCombo="{CONFIRMED}" value="6"/></group></adx>'
    )
    basic = base64.b64encode(f"dhis2-kaz:{system}".encode()).decode()
    answer = httpx.post(
        f"{live_url}/api/dhis2/api/dataValueSets",  # the path DHIS2's exchange posts to
        content=adx,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/adx+xml"},
    )
    assert answer.json()["status"] == "SUCCESS", answer.text
    assert _series(live_url, system) == [
        ("2024-01-29", 15),
        ("2024-02-05", 0),
        ("2024-02-12", 4),
        ("2024-02-19", 6),
    ]

    # Read back through the reverse mapping.
    back = httpx.get(
        f"{live_url}{URL}",
        params={"dataSet": "BfMAe6Itzgt", "period": "2024W05", "orgUnit": WHOLE},
        headers=api_token,
    ).json()
    assert sorted((v["dataElement"], v["value"]) for v in back["dataValues"]) == [
        (DEATHS, "1"),
        (CASES, "15"),
    ]

    # DELETE withdraws: the week is absent from the series from now on.
    gone = {"dataValues": [value(CASES, "2024W06", WHOLE, CONFIRMED, "")]}
    answer = httpx.post(f"{live_url}{URL}?importStrategy=DELETE", json=gone, headers=api_token)
    assert answer.json()["importCount"]["deleted"] == 1
    assert [p for p, _ in _series(live_url, system)] == ["2024-01-29", "2024-02-12", "2024-02-19"]


def test_refusals_write_nothing(live_url: str, sessions: sessionmaker[Session]) -> None:
    load(sessions)
    system = make_user(sessions, "dhis2-kaz", "system", "KAZ")
    other = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    good = value(CASES, "2024W05", WHOLE, CONFIRMED, "12")
    payload = {"dataValues": [good, value(CASES, "2024W06", WHOLE, CONFIRMED, "-3")]}
    headers = {"Authorization": f"ApiToken {system}"}
    answer = httpx.post(f"{live_url}{URL}", json=payload, headers=headers)
    summary = answer.json()
    assert answer.status_code == 200 and summary["status"] == "ERROR"
    assert summary["importCount"]["imported"] == 0
    [conflict] = summary["conflicts"]
    assert conflict["object"] == CASES and "2024W06" in conflict["value"]
    assert WHOLE in conflict["value"] and conflict["indexes"] == [1]
    # A quarter is a DHIS2 period, but not one the epidemic database stores.
    quarter = {"dataValues": [value(CASES, "2024Q1", WHOLE, CONFIRMED, "1")]}
    assert httpx.post(f"{live_url}{URL}", json=quarter, headers=headers).json()["status"] == "ERROR"
    hostile = {
        "dataValues": [
            value(CASES, "2024W05", WHOLE, CONFIRMED, "1\u0000"),
            value(CASES, "2024W06", WHOLE, CONFIRMED, 10**40),
            value("x\u202e" * 3000, "2024W05", WHOLE, CONFIRMED, "1"),
        ]
    }
    answer = httpx.post(f"{live_url}{URL}", json=hostile, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "ERROR"
    assert len(answer.json()["conflicts"]) == 3
    assert all(len(c["object"]) <= 60 * 6 for c in answer.json()["conflicts"])
    codes = httpx.post(f"{live_url}{URL}?idScheme=CODE", json=quarter, headers=headers).json()
    assert codes["status"] == "ERROR" and codes["conflicts"][0]["object"] == "dataElementIdScheme"
    unknown = {"dataValues": [value(CASES, "2024W99", WHOLE, CONFIRMED, "1")]}
    refused = httpx.post(f"{live_url}{URL}", json=unknown, headers=headers).json()
    assert refused["status"] == "ERROR" and refused["conflicts"][0]["object"] == "2024W99"

    kgz = httpx.post(
        f"{live_url}{URL}?state=KAZ", json={"dataValues": [good]}, headers=bearer(other)
    )
    assert kgz.status_code == 403
    kgz_own = httpx.post(f"{live_url}{URL}", json={"dataValues": [good]}, headers=bearer(other))
    assert kgz_own.status_code == 404  # no mapping for KGZ
    for bad in ({"Authorization": "ApiToken nope"}, {"Authorization": "Digest x"}, {}):
        assert httpx.post(f"{live_url}{URL}", json=payload, headers=bad).status_code == 401
    wrong_name = base64.b64encode(f"someone:{system}".encode()).decode()
    denied = httpx.post(
        f"{live_url}{URL}", json=payload, headers={"Authorization": f"Basic {wrong_name}"}
    )
    assert denied.status_code == 401
    for body, kind in ((b'{"dataValues": [', "application/json"), (b"<adx", "application/adx+xml")):
        broken = httpx.post(
            f"{live_url}{URL}", content=body, headers={**headers, "Content-Type": kind}
        )
        assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "body"
    assert _submissions(sessions) == 0
