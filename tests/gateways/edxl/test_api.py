"""The EDXL routes over real HTTP: XML out, XML in, refusals as problems naming the element."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.gateways.edxl.test_rm import _counts, _seed
from tests.helpers import bearer, make_user
from tests.notifications.factory import event_body


def test_edxl_routes(live_url: str, sessions: sessionmaker[Session]) -> None:
    kgz = make_user(sessions, "fp-kgz", "focal_point", "KGZ")
    kaz = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    ids = _seed(sessions)
    base = f"{live_url}/api/v1"

    answer = httpx.get(f"{base}/assistance/requests/{ids['request']}/edxl-rm", headers=bearer(kgz))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
    request_xml = answer.content
    for path in (f"offers/{ids['offer']}", f"commitments/{ids['commitment']}"):
        got = httpx.get(f"{base}/assistance/{path}/edxl-rm", headers=bearer(kgz))
        assert (
            got.status_code == 200
            and b"urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg" in got.content
        )

    before = _counts(sessions)
    made = httpx.post(f"{base}/assistance/edxl-rm", content=request_xml, headers=bearer(kgz))
    assert made.status_code == 201 and made.json()["kind"] == "request"
    # Another state's request: the assistance service refuses; nothing written.
    refused = httpx.post(f"{base}/assistance/edxl-rm", content=request_xml, headers=bearer(kaz))
    assert refused.status_code == 403
    bad = request_xml.replace(b"<rm:Amount>50<", b"<rm:Amount>-5<", 1)
    problem = httpx.post(
        f"{base}/assistance/edxl-rm",
        content=bad,
        headers={**bearer(kgz), "Accept-Language": "ru"},
    )
    assert problem.status_code == 422
    assert problem.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in problem.json()["errors"]]
    assert any(
        f.startswith("/RequestResource/ResourceInformation[2]/AssignmentInformation")
        for f in fields
    )
    assert _counts(sessions)[0] == before[0] + 1

    event = httpx.post(f"{base}/notifications", json=event_body(), headers=bearer(kaz))
    assert event.status_code == 201, event.text
    envelope = httpx.get(f"{base}/notifications/{event.json()['id']}/edxl-de", headers=bearer(kaz))
    assert envelope.status_code == 200 and b"edxlDistribution" in envelope.content
    again = httpx.post(
        f"{base}/notifications/edxl-de", content=envelope.content, headers=bearer(kaz)
    )
    assert again.status_code == 200 and again.json()["created"] is False  # same CAP identifier
    doctype = b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    assert (
        httpx.post(
            f"{base}/notifications/edxl-de", content=doctype, headers=bearer(kaz)
        ).status_code
        == 422
    )
