"""The notification routes over real HTTP (the contract of issue 3), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session
from epibridge.notifications import cap as caplib
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.outbox.models import OutboxMessage
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body, written

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
EXAMPLES = sorted(
    p
    for p in (Path(__file__).parent / "fixtures" / "cap").iterdir()
    if p.suffix in {".xml", ".cap"}
)
URL = "/api/v1/notifications"


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {
        "kaz": make_user(sessions, "fp-kaz", "focal_point", "KAZ"),
        "rus": make_user(sessions, "fp-rus", "focal_point", "RUS"),
        "sec": make_user(sessions, "sec", "secretariat"),
        "obs": make_user(sessions, "obs-mng", "observer", "MNG"),
        "sys": make_user(sessions, "sys-kaz", "system", "KAZ"),
    }


def test_contract_create_cap_and_403(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    created = httpx.post(live_url + URL, json=event_body(), headers=bearer(tokens["kaz"]))
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    assert created.json()["status"] == "notified"
    assert created.headers["location"] == f"{URL}/{event_id}"

    cap = httpx.get(f"{live_url}{URL}/{event_id}/cap", headers=bearer(tokens["rus"]))
    assert cap.status_code == 200
    assert cap.headers["content-type"].startswith("application/xml")
    caplib.validate(cap.content)
    root = etree.fromstring(cap.content)
    assert root.findtext(f"{CAP}msgType") == "Alert"
    assert root.findtext(f"{CAP}info/{CAP}eventCode/{CAP}value") == "A00"

    updated = httpx.post(
        f"{live_url}{URL}/{event_id}/updates",
        json={"confirmed_cases": 7},
        headers=bearer(tokens["kaz"]),
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    latest = etree.fromstring(
        httpx.get(f"{live_url}{URL}/{event_id}/cap", headers=bearer(tokens["rus"])).content
    )
    assert latest.findtext(f"{CAP}msgType") == "Update"
    assert root.findtext(f"{CAP}identifier") in latest.findtext(f"{CAP}references")

    before = written(sessions)
    denied = httpx.post(live_url + URL, json=event_body(state="RUS"), headers=bearer(tokens["kaz"]))
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert written(sessions) == before
    with read_session(sessions) as session:
        assert (
            session.execute(
                select(NotificationEvent).where(NotificationEvent.state == "RUS")
            ).first()
            is None
        )
        assert (
            session.execute(select(AuditEntry).where(AuditEntry.entity == "notification"))
            .scalars()
            .all()
            .__len__()
            == 2
        )
        assert len(session.execute(select(OutboxMessage)).scalars().all()) == 2

    draft = httpx.post(
        live_url + URL, json=event_body(status="draft"), headers=bearer(tokens["kaz"])
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    no_cap = httpx.get(f"{live_url}{URL}/{draft.json()['id']}/cap", headers=bearer(tokens["kaz"]))
    assert _problem(no_cap, 409) == ["status"]
    assert (
        httpx.get(
            f"{live_url}{URL}/{draft.json()['id']}", headers=bearer(tokens["rus"])
        ).status_code
        == 404
    )


def _problem(response: httpx.Response, status: int = 422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json().get("errors", [])]


def test_bad_input_is_a_clear_problem_and_writes_nothing(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    headers = bearer(tokens["kaz"])
    event_id = httpx.post(live_url + URL, json=event_body(), headers=headers).json()["id"]
    before = written(sessions)
    malformed = httpx.post(
        live_url + URL,
        content=b'{"title": "x", ',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert "malformed JSON" in malformed.json()["errors"][0]["message"]
    _problem(malformed)
    cases: list[tuple[dict[str, Any], str]] = [
        (event_body(disease="Q99"), "disease"),
        (event_body(state="XYZ"), "state"),
        (event_body(onset_date="2999-12-31"), "onset_date"),
        (event_body(area_code="CN-BJ"), "area_code"),
        (event_body(affected_states=["ZZZ"]), "affected_states[0]"),
        (event_body(suspected_cases=-1), "suspected_cases"),
        (event_body(visibility="everyone"), "visibility"),
    ]
    for body, field in cases:
        assert field in _problem(httpx.post(live_url + URL, json=body, headers=headers)), body
    decreasing = httpx.post(
        f"{live_url}{URL}/{event_id}/updates",
        json={"suspected_cases": 2, "deaths": 0},
        headers=headers,
    )
    assert _problem(decreasing) == ["suspected_cases"]
    bad_cap = httpx.post(
        f"{live_url}{URL}/cap",
        content=b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>\n"
        b"<identifier>x</identifier>\n</alert>",
        headers={**bearer(tokens["sys"]), "Content-Type": "application/xml"},
    )
    problem = bad_cap.json()
    _problem(bad_cap)
    assert problem["errors"][0]["field"].startswith("/alert")
    assert problem["errors"][0]["message"].startswith("line ")
    assert written(sessions) == before


def test_retried_create_with_idempotency_key_creates_once(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    headers = {**bearer(tokens["kaz"]), "Idempotency-Key": "create-42"}
    first = httpx.post(live_url + URL, json=event_body(), headers=headers)
    again = httpx.post(live_url + URL, json=event_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert written(sessions)["NotificationEvent"] == 1


def test_interactions_timeline_and_lists(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    kaz, rus, sec, obs = (bearer(tokens[k]) for k in ("kaz", "rus", "sec", "obs"))
    ids = [
        httpx.post(
            live_url + URL,
            json=event_body(title=f"Synthetic test {i}", visibility=vis, mode=mode),
            headers=kaz,
        ).json()["id"]
        for i, (vis, mode) in enumerate(
            [("members", "actual"), ("partners", "exercise"), ("public", "actual")]
        )
    ]
    event = f"{live_url}{URL}/{ids[0]}"
    asked = httpx.post(
        f"{event}/verifications", json={"question": "Confirmed?"}, headers=sec
    ).json()
    assert asked["requester_state"] is None and asked["overdue"] is False
    answered = httpx.post(
        f"{event}/verifications/{asked['id']}/answer",
        json={"verified": True, "answer": "yes, by PCR"},
        headers=kaz,
    )
    assert answered.status_code == 200 and answered.json()["verified"] is True
    assert httpx.post(f"{event}/acknowledgements", headers=rus).status_code == 201
    assert httpx.post(f"{event}/acknowledgements", headers=rus).status_code == 409
    assessed = httpx.post(
        f"{event}/assessments",
        json={"likelihood": "likely", "consequence": "major", "rationale": "synthetic"},
        headers=rus,
    )
    assert assessed.status_code == 201 and assessed.json()["level"] == "high"
    assert httpx.post(f"{event}/comments", json={"body": "noted"}, headers=rus).status_code == 201
    reminded = httpx.post(f"{event}/remind", headers=sec).json()["reminded"]
    assert "RUS" not in reminded and "KAZ" not in reminded and "CHN" in reminded
    assert httpx.post(f"{event}/remind", headers=rus).status_code == 403
    closed = httpx.post(
        f"{event}/close", json={"reason": "not confirmed", "kind": "withdrawn"}, headers=kaz
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    cancel = etree.fromstring(httpx.get(f"{event}/cap", headers=rus).content)
    assert cancel.findtext(f"{CAP}msgType") == "Cancel"

    shown = httpx.get(event, headers=rus).json()
    assert shown["risk"]["consolidated"] == "high"
    assert [a["state"] for a in shown["acknowledgements"]["acknowledged"]] == ["RUS"]
    assert set(reminded) == set(shown["acknowledgements"]["pending"])
    kinds = [e["kind"] for e in httpx.get(f"{event}/timeline", headers=rus).json()]
    assert kinds == [
        "notified",
        "verification_requested",
        "verification_answered",
        "acknowledged",
        "assessed",
        "comment",
        "closed",
    ]

    def listed(headers: dict[str, str] | None, **params: Any) -> list[int]:
        response = httpx.get(live_url + URL, params=params, headers=headers or {})
        if response.status_code != 200:
            return [response.status_code]
        return [item["id"] for item in response.json()["items"]]

    assert listed(None) == [401]
    assert listed(obs) == [ids[2], ids[1]]
    assert listed(rus, exercise="true") == [ids[1]]
    assert listed(rus, status="closed") == [ids[0]]
    assert listed(rus, q="TEST 2") == [ids[2]]
    assert listed(rus, state="KAZ", disease="A00", overdue="false") == ids[::-1]
    page = httpx.get(live_url + URL, params={"limit": 2}, headers=rus).json()
    rest = httpx.get(
        live_url + URL, params={"limit": 2, "cursor": page["next_cursor"]}, headers=rus
    ).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    assert page["items"][1]["exercise"] is True
    assert _problem(httpx.get(live_url + URL, params={"cursor": "!!"}, headers=rus)) == ["cursor"]
    decided = httpx.get(
        f"{live_url}{URL}/annex2",
        params={"disease": "B03", "serious_impact": "false"},
    ).json()
    assert decided["outcome"] == "notify" and decided["rule"] == "always_notifiable"


def _readdressed(xml: bytes, sender: str) -> bytes:
    """A real example alert with its sender replaced (the one synthetic change)."""
    return re.sub(rb"(<(?:cap:)?sender>)[^<]*(</)", rb"\g<1>" + sender.encode() + rb"\g<2>", xml)


def test_cap_import_of_the_real_examples(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    system = {**bearer(tokens["sys"]), "Content-Type": "application/xml"}
    for path in EXAMPLES:
        original = path.read_bytes()
        # As they are, they come from other countries' systems: refused, naming the sender.
        refused = httpx.post(f"{live_url}{URL}/cap", content=original, headers=system)
        assert _problem(refused, 403) == ["/alert/sender"], path.name
        assert written(sessions)["NotificationEvent"] == 0

    imported = {}
    for path in EXAMPLES:
        xml = _readdressed(path.read_bytes(), "alerts@example.kz")
        response = httpx.post(f"{live_url}{URL}/cap", content=xml, headers=system)
        if path.name == "NWS_FireWeatherWatchCancel.xml":
            # A Cancel of an alert never received here has nothing to cancel.
            assert _problem(response) == ["/alert/references"]
            continue
        assert response.status_code == 201, (path.name, response.text)
        imported[path.name] = response.json()["id"]
        again = httpx.post(f"{live_url}{URL}/cap", content=xml, headers=system)
        assert again.status_code == 200 and again.json() == {**response.json(), "created": False}
        served = httpx.get(f"{live_url}{URL}/{response.json()['id']}/cap", headers=system)
        assert served.content == xml
    assert written(sessions)["NotificationEvent"] == len(imported) == 5

    rus = bearer(tokens["rus"])
    canada = httpx.get(f"{live_url}{URL}/{imported['canada.cap']}", headers=rus).json()
    assert canada["state"] == "KAZ" and canada["disease"] == "unknown"
    assert canada["language"] == "en-CA" and "fr-CA" in canada["translations"]
    assert canada["visibility"] == "public"
    # The one permission check decides for the alert's state: RUS may not import KAZ's alerts.
    other = httpx.post(
        f"{live_url}{URL}/cap",
        content=_readdressed(EXAMPLES[0].read_bytes(), "x@example.kz"),
        headers={**bearer(tokens["rus"]), "Content-Type": "application/xml"},
    )
    assert _problem(other, 403) == ["/alert/sender"]


def test_cap_roundtrip_update_and_hostile_xml(
    live_url: str, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    """An epibridge export imported by the state's system; updates chain; bombs are refused."""
    system = {**bearer(tokens["sys"]), "Content-Type": "application/xml"}
    event_id = httpx.post(
        live_url + URL,
        json=event_body(area_code="KZ-75", probable_cases=2),
        headers=bearer(tokens["kaz"]),
    ).json()["id"]
    exported = httpx.get(f"{live_url}{URL}/{event_id}/cap", headers=system).content
    # The export carries its own identifier, already known here: importing it changes nothing.
    same = httpx.post(f"{live_url}{URL}/cap", content=exported, headers=system)
    assert same.status_code == 200 and same.json()["id"] == event_id

    update = caplib.parse_alert(exported)
    info = update.infos[0]
    params = tuple(
        caplib.ValuePair(p.value_name, "1" if p.value_name == "confirmed_cases" else p.value)
        for p in info.parameters
    )
    message = replace(
        update,
        identifier="kz-national-777",
        msg_type=caplib.MsgType.UPDATE,
        references=(caplib.Reference(update.sender, update.identifier, update.sent),),
        infos=(replace(info, parameters=params),),
    )
    lowered = httpx.post(
        f"{live_url}{URL}/cap", content=caplib.build_alert(message), headers=system
    )
    assert _problem(lowered) == ["/alert/info/parameter[confirmed_cases]"]
    explained = replace(message, note="2 confirmed cases reclassified")
    accepted = httpx.post(
        f"{live_url}{URL}/cap", content=caplib.build_alert(explained), headers=system
    )
    assert accepted.status_code == 201 and accepted.json()["version"] == 2
    shown = httpx.get(f"{live_url}{URL}/{event_id}", headers=system).json()
    assert shown["counts"]["confirmed_cases"] == 1 and shown["status"] == "updated"

    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&b;</alert>'
    )
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>'
    )
    for hostile in (bomb, xxe, b"<alert", b""):
        response = httpx.post(f"{live_url}{URL}/cap", content=hostile, headers=system)
        assert response.status_code == 422 and "root:" not in response.text
    other_state = exported.replace(b"KZ-75", b"CN-BJ")
    assert _problem(
        httpx.post(
            f"{live_url}{URL}/cap",
            content=other_state.replace(b"notification:", b"x-notification:"),
            headers=system,
        )
    ) == ["/alert/info/area/geocode"]
