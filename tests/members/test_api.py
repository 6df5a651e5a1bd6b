"""The organization and accounts routes over real HTTP (contract of the foundation issue)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow, write_session
from epibridge.members.models import ApiToken
from tests.helpers import bearer, make_user


@pytest.mark.parametrize(
    ("day", "count"), [("2001-06-16", 6), ("2017-06-10", 8), ("2024-07-05", 10)]
)
def test_members_on_date_contract(live_url: str, day: str, count: int) -> None:
    response = httpx.get(f"{live_url}/api/v1/states", params={"on": day, "status": "member"})
    assert response.status_code == 200
    states = response.json()
    assert len(states) == count
    assert all({"iso3", "name"} <= set(s) for s in states)
    assert all(s["status"] == "member" for s in states)


def test_state_with_history(live_url: str) -> None:
    response = httpx.get(f"{live_url}/api/v1/states/IND")
    assert response.status_code == 200
    body = response.json()
    assert body["iso3"] == "IND" and body["name"] == "India"
    assert [(h["status"], h["valid_from"]) for h in body["history"]] == [
        ("observer", "2005-07-05"),
        ("member", "2017-06-09"),
    ]


def test_state_names_in_other_languages(live_url: str) -> None:
    body = httpx.get(f"{live_url}/api/v1/states/RUS", params={"lang": "zh"}).json()
    assert body["name"] == "俄罗斯"


def test_unknown_state_is_404_problem(live_url: str) -> None:
    response = httpx.get(f"{live_url}/api/v1/states/XYZ")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and problem["errors"][0]["field"] == "iso3"


def test_malformed_date_names_the_parameter(live_url: str) -> None:
    response = httpx.get(f"{live_url}/api/v1/states", params={"on": "2024-02-30"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "on"


def test_chair_and_organization(live_url: str) -> None:
    chair = httpx.get(f"{live_url}/api/v1/chair", params={"on": "2020-05-13"}).json()
    assert chair["iso3"] == "RUS"
    organization = httpx.get(f"{live_url}/api/v1/organization", params={"on": "2024-07-05"}).json()
    assert organization["code"] == "SCO" and organization["member_count"] == 10
    assert organization["official_languages"] == ["ru", "zh"]
    assert {b["code"] for b in organization["bodies"]} >= {"SECRETARIAT", "RATS"}


def test_home_page_lists_member_states(live_url: str) -> None:
    response = httpx.get(f"{live_url}/", params={"on": "2024-07-05"})
    assert response.status_code == 200
    for name in ("Kazakhstan", "Belarus", "India"):
        assert name in response.text
    assert httpx.get(f"{live_url}/docs").status_code == 200


def test_accounts_api(live_url: str, sessions: sessionmaker[Session]) -> None:
    admin = make_user(sessions, "admin", "admin")
    fp = make_user(sessions, "fp-kaz", "focal_point", "KAZ")

    me = httpx.get(f"{live_url}/api/v1/users/me", headers=bearer(fp)).json()
    assert me["name"] == "fp-kaz" and me["state"] == "KAZ" and me["role"] == "focal_point"

    # Only administrators manage accounts.
    denied = httpx.post(
        f"{live_url}/api/v1/users",
        json={"name": "fp-rus", "role": "focal_point", "state": "RUS"},
        headers=bearer(fp),
    )
    assert denied.status_code == 403
    created = httpx.post(
        f"{live_url}/api/v1/users",
        json={"name": "fp-rus", "role": "focal_point", "state": "RUS"},
        headers=bearer(admin),
    )
    assert created.status_code == 201
    new_token = created.json()["token"]["token"]
    assert (
        httpx.get(f"{live_url}/api/v1/users/me", headers=bearer(new_token)).json()["state"] == "RUS"
    )

    listed = httpx.get(f"{live_url}/api/v1/users", headers=bearer(admin)).json()
    assert {u["name"] for u in listed} == {"admin", "fp-kaz", "fp-rus"}

    revoked = httpx.post(f"{live_url}/api/v1/users/fp-rus/revoke", headers=bearer(admin))
    assert revoked.status_code == 200 and revoked.json()["active_tokens"] == 0
    after = httpx.get(f"{live_url}/api/v1/users/me", headers=bearer(new_token))
    assert after.status_code == 401 and "revoked" in after.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "fp-x", "role": "focal_point"}, "state"),
        ({"name": "fp-x", "role": "focal_point", "state": "ZZZ"}, "state"),
        ({"name": "fp-x", "role": "focal_point", "state": "MNG"}, "state"),
        ({"name": "fp-x", "role": "secretariat", "state": "KAZ"}, "state"),
        ({"name": "fp-x", "role": "king"}, "role"),
        ({"name": "x", "role": "admin"}, "name"),
        ({"name": "admin", "role": "admin"}, "name"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field(
    live_url: str, sessions: sessionmaker[Session], payload: dict[str, str], field: str
) -> None:
    admin = make_user(sessions, "admin", "admin")
    response = httpx.post(f"{live_url}/api/v1/users", json=payload, headers=bearer(admin))
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    listed = httpx.get(f"{live_url}/api/v1/users", headers=bearer(admin)).json()
    assert [u["name"] for u in listed] == ["admin"]


def test_missing_malformed_unknown_and_expired_tokens(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    url = f"{live_url}/api/v1/users/me"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.json()["errors"][0]["field"] == "Authorization"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert httpx.get(url, headers={"Authorization": "Basic abc"}).status_code == 401
    assert httpx.get(url, headers=bearer("eb_not-a-real-token")).status_code == 401

    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    assert httpx.get(url, headers=bearer(token)).status_code == 200
    with write_session(sessions) as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = httpx.get(url, headers=bearer(token))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
