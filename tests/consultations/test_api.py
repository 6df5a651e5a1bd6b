"""The consultation routes over real HTTP: what a page needs, and refusals as problem documents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations.models import Decision
from epibridge.db import write_session
from epibridge.settings import Settings
from tests.helpers import bearer, make_user

EN = "Synthetic test text. Member states share sequencing data within 48 hours."
RU = "Синтетический текст. Государства-члены обмениваются данными за 48 часов."


#: The app's clock starts here and runs on: Kyrgyzstan chaired from 11 June 2018 (Qingdao) to
#: 14 June 2019 (Bishkek), with India a member and Mongolia an observer, whatever day this runs.
START = datetime(2019, 1, 15, 9, 0, tzinfo=UTC)
_STARTED = time.monotonic()


def utcnow() -> datetime:
    """The tests' clock, the one the app is built with."""
    return START + timedelta(seconds=time.monotonic() - _STARTED)


@pytest.fixture
def live_url(settings: Settings) -> Iterator[str]:
    from tests.support.server import live_server

    with live_server(settings, clock=utcnow) as base:
        yield base


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, dict[str, str]]:
    # Kyrgyzstan chairs on the app's clock (START), so it convenes.
    accounts = {
        "kgz": ("focal_point", "KGZ"),
        "kaz": ("focal_point", "KAZ"),
        "rus": ("focal_point", "RUS"),
        "ind": ("focal_point", "IND"),
        "sec": ("secretariat", None),
        "mng": ("observer", "MNG"),
    }
    return {
        key: bearer(make_user(sessions, f"user-{key}", role, state))
        for key, (role, state) in accounts.items()
    }


def _ok(response: httpx.Response, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response.json()


def _problem(response: httpx.Response, code: int, field: str) -> dict[str, Any]:
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def _open_document(base: str, tokens: dict[str, dict[str, str]]) -> tuple[str, str]:
    consultation = _ok(
        httpx.post(
            f"{base}/api/v1/consultations",
            json={
                "topic": "Genomic surveillance data sharing (synthetic)",
                "participants": ["KAZ", "RUS"],
                "observers": ["MNG"],
                "agenda": [{"title": "Opening"}, {"title": "Draft protocol"}],
            },
            headers=tokens["kgz"],
        ),
        201,
    )
    url = f"{base}/api/v1/consultations/{consultation['id']}"
    document = _ok(
        httpx.post(
            f"{url}/documents",
            json={"kind": "protocol", "title": "Protocol (synthetic)", "texts": {"en": EN}},
            headers=tokens["kgz"],
        ),
        201,
    )
    return url, f"{url}/documents/{document['id']}"


def test_a_consultation_from_convening_to_signatures(
    live_url: str, tokens: dict[str, dict[str, str]]
) -> None:
    url, doc = _open_document(live_url, tokens)
    detail = _ok(httpx.get(url, headers=tokens["rus"]))
    # The chair takes part in what it convenes; observers are listed last, without a say.
    assert [(p["state"], p["has_say"]) for p in detail["participants"]] == [
        ("KAZ", True),
        ("KGZ", True),
        ("RUS", True),
        ("MNG", False),
    ]
    assert detail["convening_state"] == "KGZ" and detail["documents"][0]["status"] == "draft"

    agenda = _ok(
        httpx.put(
            f"{url}/agenda",
            json={"items": [{"title": "Draft protocol"}, {"title": "Any other business"}]},
            headers=tokens["kgz"],
        )
    )
    assert [a["position"] for a in agenda] == [1, 2]
    _ok(
        httpx.post(
            f"{url}/record", json={"kind": "minutes", "text": "Opened."}, headers=tokens["kgz"]
        ),
        201,
    )
    _ok(
        httpx.post(
            f"{url}/record",
            json={"kind": "note", "state": "RUS", "text": "72 hours preferred."},
            headers=tokens["rus"],
        ),
        201,
    )
    record = _ok(httpx.get(f"{url}/record", headers=tokens["mng"]))  # an invited observer reads
    assert [(e["kind"], e["state"]) for e in record] == [("minutes", "KGZ"), ("note", "RUS")]

    amendment = _ok(
        httpx.post(
            f"{doc}/amendments",
            json={"state": "RUS", "version": 1, "reason": "remote laboratories need longer"},
            headers=tokens["rus"],
        ),
        201,
    )
    version = _ok(
        httpx.post(
            f"{doc}/versions",
            json={
                "based_on": 1,
                "texts": {"en": EN.replace("48", "72"), "ru": RU.replace("48", "72")},
                "incorporates": [amendment["id"]],
                "note": "RUS amendment",
            },
            headers=tokens["kgz"],
        ),
        201,
    )
    assert version["number"] == 2 and version["incorporated_amendments"] == [amendment["id"]]
    versions = _ok(httpx.get(f"{doc}/versions", headers=tokens["kaz"]))
    assert [v["superseded"] for v in versions] == [True, False]
    diff = _ok(httpx.get(f"{doc}/diff", params={"from": 1, "to": 2}, headers=tokens["kaz"]))
    changes = {c["language"]: c for c in diff["changes"]}
    assert changes["ru"]["change"] == "added" and changes["en"]["change"] == "changed"
    assert "+" + EN.replace("48", "72") in changes["en"]["unified_diff"]
    amendments = _ok(httpx.get(f"{doc}/amendments", headers=tokens["kaz"]))
    assert amendments[0]["status"] == "incorporated" and amendments[0]["incorporated_in"] == 2

    deadline = (utcnow() + timedelta(days=3)).isoformat()
    decision = _ok(
        httpx.post(
            f"{doc}/decision", json={"version": 2, "deadline": deadline}, headers=tokens["kgz"]
        ),
        201,
    )
    assert decision["status"] == "open" and decision["tally"]["silent"] == ["KAZ", "KGZ", "RUS"]
    for who, state, value in [("kaz", "KAZ", "support"), ("rus", "RUS", "abstain")]:
        _ok(
            httpx.post(
                f"{doc}/positions",
                json={"state": state, "version": 2, "position": value},
                headers=tokens[who],
            ),
            201,
        )
    # The Secretariat records Kyrgyzstan's position on its behalf, and that is shown.
    kgz = _ok(
        httpx.post(
            f"{doc}/positions",
            json={"state": "KGZ", "version": 2, "position": "support"},
            headers=tokens["sec"],
        ),
        201,
    )
    assert kgz["on_behalf"] is True and kgz["recorded_by"] == "user:user-sec"
    closed = _ok(httpx.post(f"{doc}/decision/close", headers=tokens["kgz"]))
    assert closed["status"] == "adopted"

    adopted = _ok(httpx.get(doc, headers=tokens["kaz"]))
    assert adopted["number"] == f"SCO/BIO/{utcnow().year}/001"
    assert adopted["languages"] == ["en", "ru"] and set(adopted["published_texts"]) == {"en", "ru"}
    signature = _ok(
        httpx.post(f"{doc}/signatures", json={"state": "KAZ"}, headers=tokens["kaz"]), 201
    )
    assert signature["state"] == "KAZ"
    signatures = _ok(httpx.get(f"{doc}/signatures", headers=tokens["rus"]))
    assert [s["state"] for s in signatures] == ["KAZ"]
    assert _ok(httpx.get(doc, headers=tokens["rus"]))["unsigned"] == ["KGZ", "RUS"]
    positions = _ok(httpx.get(f"{doc}/positions", headers=tokens["mng"]))
    assert {p["state"]: p["position"] for p in positions} == {
        "KAZ": "support",
        "KGZ": "support",
        "RUS": "abstain",
    }

    page = _ok(
        httpx.get(f"{live_url}/api/v1/consultations", params={"limit": 1}, headers=tokens["ind"])
    )
    assert page["items"][0]["id"] == detail["id"] and page["next_cursor"] is None
    assert page["items"][0]["document_count"] == 1


def test_requests_and_answers_over_http(live_url: str, tokens: dict[str, dict[str, str]]) -> None:
    requested = _ok(
        httpx.post(
            f"{live_url}/api/v1/consultations/requests",
            json={"state": "IND", "topic": "Dengue (synthetic)", "reason": "rising cases"},
            headers=tokens["ind"],
        ),
        201,
    )
    assert requested["status"] == "requested"
    url = f"{live_url}/api/v1/consultations/{requested['id']}/response"
    _problem(httpx.post(url, json={"accept": False}, headers=tokens["kgz"]), 422, "reason")
    _problem(httpx.post(url, json={"accept": True}, headers=tokens["kaz"]), 403, "convenor")
    accepted = _ok(httpx.post(url, json={"accept": True}, headers=tokens["kgz"]))
    assert accepted["status"] == "open" and "IND" in [p["state"] for p in accepted["participants"]]
    listed = _ok(
        httpx.get(
            f"{live_url}/api/v1/consultations", params={"status": "open"}, headers=tokens["sec"]
        )
    )
    assert [c["id"] for c in listed["items"]] == [requested["id"]]


def test_bad_input_is_refused_over_http_and_changes_nothing(
    live_url: str, tokens: dict[str, dict[str, str]], sessions: sessionmaker[Session]
) -> None:
    url, doc = _open_document(live_url, tokens)
    _ok(
        httpx.post(
            f"{doc}/versions", json={"based_on": 1, "texts": {"en": "v2"}}, headers=tokens["kgz"]
        ),
        201,
    )
    deadline = (utcnow() + timedelta(days=3)).isoformat()
    _ok(
        httpx.post(
            f"{doc}/decision", json={"version": 2, "deadline": deadline}, headers=tokens["kgz"]
        ),
        201,
    )

    def position(who: str, state: str, version: int = 2, value: str = "support") -> httpx.Response:
        return httpx.post(
            f"{doc}/positions",
            json={"state": state, "version": version, "position": value},
            headers=tokens[who],
        )

    before = _ok(httpx.get(doc, headers=tokens["sec"]))
    _problem(position("ind", "IND"), 422, "state")  # not a participant
    _problem(position("rus", "RUS", version=1), 409, "version")  # superseded version
    _problem(position("mng", "MNG"), 403, "state")  # an observer account
    _problem(position("sec", "MNG"), 422, "state")  # an invited observer has no say
    _problem(position("rus", "KAZ"), 403, "state")  # another state's focal point
    _problem(position("rus", "RUS", value="object"), 422, "reasons")  # objection without reasons
    _problem(position("rus", "RUS", value="veto"), 422, "position")
    _problem(
        httpx.post(
            f"{doc}/versions", json={"based_on": 2, "texts": {"fr": "x"}}, headers=tokens["kgz"]
        ),
        422,
        "texts.fr.[key]",
    )
    assert _ok(httpx.get(doc, headers=tokens["sec"])) == before

    # The deadline passes (moved into the past here rather than waited for).
    with write_session(sessions) as session:
        session.execute(update(Decision).values(deadline=utcnow() - timedelta(seconds=1)))
    _problem(position("rus", "RUS"), 409, "deadline")
    closed = _ok(httpx.post(f"{live_url}/api/v1/consultations/close-due", headers=tokens["sec"]))
    assert [d["status"] for d in closed["closed"]] == ["rejected"]  # nobody took a position
    _problem(
        httpx.post(f"{live_url}/api/v1/consultations/close-due", headers=tokens["kaz"]),
        403,
        "actor",
    )

    # Adopted documents are frozen.
    _ok(
        httpx.post(
            f"{doc}/decision", json={"version": 2, "deadline": deadline}, headers=tokens["kgz"]
        ),
        201,
    )
    for who, state in [("kaz", "KAZ"), ("rus", "RUS"), ("kgz", "KGZ")]:
        _ok(position(who, state), 201)
    assert _ok(httpx.post(f"{doc}/decision/close", headers=tokens["kgz"]))["status"] == "adopted"
    adopted = _ok(httpx.get(doc, headers=tokens["sec"]))
    _problem(
        httpx.post(
            f"{doc}/versions", json={"based_on": 2, "texts": {"en": "v3"}}, headers=tokens["kgz"]
        ),
        409,
        "document_id",
    )
    _problem(
        httpx.post(
            f"{doc}/amendments",
            json={"state": "RUS", "version": 2, "reason": "after adoption"},
            headers=tokens["rus"],
        ),
        409,
        "document_id",
    )
    assert _ok(httpx.get(doc, headers=tokens["sec"])) == adopted

    assert httpx.get(url).status_code == 401
    _problem(
        httpx.get(f"{live_url}/api/v1/consultations/999999", headers=tokens["sec"]),
        404,
        "consultation_id",
    )
    _problem(httpx.get(f"{url}/documents/999999", headers=tokens["sec"]), 404, "document_id")
    _problem(
        httpx.get(f"{doc}/diff", params={"from": 1, "to": 9}, headers=tokens["sec"]), 404, "version"
    )


def test_closing_over_http(live_url: str, tokens: dict[str, dict[str, str]]) -> None:
    url, document = _open_document(live_url, tokens)
    # Only the convenor (the chair, Kyrgyzstan, or the Secretariat) closes.
    _problem(
        httpx.post(
            f"{url}/close", json={"outcome": "withdrawn", "reason": "x"}, headers=tokens["kaz"]
        ),
        403,
        "convenor",
    )
    _problem(
        httpx.post(f"{url}/close", json={"outcome": "adopted"}, headers=tokens["kgz"]),
        422,
        "outcome",
    )
    _problem(
        httpx.post(f"{url}/close", json={"outcome": "no_consensus"}, headers=tokens["kgz"]),
        422,
        "reason",
    )
    _problem(
        httpx.post(f"{url}/close", json={"outcome": "ended"}, headers=tokens["kgz"]), 422, "outcome"
    )
    closed = _ok(
        httpx.post(
            f"{url}/close",
            json={"outcome": "no_consensus", "reason": "No agreement on the data to share."},
            headers=tokens["kgz"],
        )
    )
    assert (closed["status"], closed["closing_outcome"], closed["closed_by"]) == (
        "closed",
        "no_consensus",
        "user:user-kgz",
    )
    assert closed["closing_reason"] == "No agreement on the data to share."
    assert _ok(httpx.get(url, headers=tokens["mng"]))["status"] == "closed"
    listed = _ok(httpx.get(f"{live_url}/api/v1/consultations?status=closed", headers=tokens["rus"]))
    assert [c["id"] for c in listed["items"]] == [closed["id"]]
    refused = _problem(
        httpx.post(
            f"{document}/amendments",
            json={"state": "KAZ", "version": 1, "reason": "Add a clause"},
            headers={**tokens["kaz"], "Accept-Language": "ru"},
        ),
        409,
        "consultation_id",
    )
    assert refused["detail"].startswith(f"консультация {closed['id']} закрыта ")
    assert refused["detail"].endswith("поправки больше не предлагаются")
    _problem(
        httpx.post(
            f"{url}/close", json={"outcome": "withdrawn", "reason": "again"}, headers=tokens["kgz"]
        ),
        409,
        "consultation_id",
    )
