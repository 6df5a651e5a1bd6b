"""Issue 18, section 6: refused messages store nothing; a key rotation under traffic loses nothing.

Each refused message is a genuine KAZ message (exported on KAZ, not yet sent) with one defect:
its content changed after signing, a claim to speak for CHN, a route signed by another node,
a key past its validity, a revoked key. The hub answers 401/422 (problem+json) and stores
nothing but the refusal line; the genuine message, sent last, is stored (201), so each
refusal is for its defect alone. Sending it again is a replay: 200 "duplicate", nothing new.
"""

from __future__ import annotations

import base64
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from epibridge.db import read_session, utcnow, write_session
from epibridge.federation import canonical, envelope, hub, keys, trust
from epibridge.federation.models import RefusedMessage, SeenMessage
from epibridge.federation.transport import sync
from epibridge.federation.transport.models import LogEntry
from epibridge.notifications.models import NotificationEvent
from epibridge.security import operator_principal
from tests.federation.nodes import Federation, Node
from tests.notifications.factory import event_body

pytestmark = pytest.mark.xdist_group("federation-nodes")
OPERATOR = operator_principal("tester")
INBOX = "/api/v1/federation/inbox"


def _stored(node: Node) -> tuple[int, int, int]:
    return (node.count(NotificationEvent), node.count(SeenMessage), node.count(LogEntry))


def _exported(node: Node, headers: dict[str, str], title: str) -> LogEntry:
    """A genuine message of ``node``, logged but not yet sent: notify, then export only."""
    response = node.post("/api/v1/notifications", headers, json=event_body(title=title))
    assert response.status_code == 201, response.text
    sync.export_all(node.sessions, actor=OPERATOR, settings=node.settings)
    with read_session(node.sessions) as session:
        return session.execute(select(LogEntry).order_by(LogEntry.seq.desc())).scalars().first()


def _payload(token: str) -> dict[str, Any]:
    return envelope.read(token).payload


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_key(node: Node) -> keys.NodeKey:
    with read_session(node.sessions) as session:
        return trust.signing_key(session, keys_dir=keys.keys_dir(node.var), now=utcnow())


def _resealed(payload: dict[str, Any], key: keys.NodeKey, **changes: Any) -> str:
    return envelope.sign({**payload, "id": str(uuid.uuid4()), **changes}, key=key)


def _route(payload: dict[str, Any], key: keys.NodeKey, origin: str, state: str | None) -> str:
    return envelope.seal(
        key=key,
        origin_node=origin,
        origin_state=state,
        topic="federation.route",
        body={"message": payload["id"], "visibility": "members", "states": []},
        created=utcnow(),
    )


def _post(node: Node, token: str, route: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/jose"}
    if route is not None:
        headers["X-Epibridge-Route"] = route
    return httpx.post(node.url + INBOX, content=token.encode(), headers=headers)


def _refused(node: Node, token: str, route: str | None, why: str) -> None:
    before, refusals = _stored(node), node.count(RefusedMessage)
    answer = _post(node, token, route)
    assert answer.status_code in (401, 422), (why, answer.status_code, answer.text)
    assert answer.headers["content-type"] == "application/problem+json", why
    assert _stored(node) == before, why
    assert node.count(RefusedMessage) == refusals + 1, why


def test_tampered_other_state_bad_route_refused_genuine_stored_replay_a_no_op(
    sqlite_nodes: Federation,
) -> None:
    hub_node, kaz, chn = sqlite_nodes
    fp = kaz.token("fp-kaz-refusals", "focal_point", "KAZ")
    genuine = _exported(kaz, fp, "Synthetic refusal test: plague, Mangystau")
    payload = _payload(genuine.token)
    key = _signing_key(kaz)
    header, _body, signature = genuine.token.split(".")
    changed = {**payload, "body": {**payload["body"], "forged": True}}
    tampered = f"{header}.{_b64(canonical.dumps(changed))}.{signature}"
    _refused(hub_node, tampered, genuine.route, "tampered")
    other_state = _resealed(payload, key, origin_state="CHN")
    _refused(hub_node, other_state, _route(_payload(other_state), key, "kaz", "CHN"), "CHN")
    chn_route = _route(payload, _signing_key(chn), "chn", "CHN")
    _refused(hub_node, genuine.token, chn_route, "route of another node")
    _refused(hub_node, genuine.token, None, "no route")
    before = _stored(hub_node)
    stored = _post(hub_node, genuine.token, genuine.route)
    assert stored.status_code == 201 and stored.json()["status"] == "stored", stored.text
    after = _stored(hub_node)
    assert after[0] == before[0] + 1 and after[2] == before[2] + 1
    replay = _post(hub_node, genuine.token, genuine.route)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    assert _stored(hub_node) == after
    kaz.sync()  # the entry already there: pushed again as a replay, nothing doubled
    assert _stored(hub_node) == after


def _titles(node: Node, headers: dict[str, str], prefix: str) -> list[str]:
    page = node.get("/api/v1/notifications?limit=500", headers)
    return sorted(i["title"] for i in page["items"] if i["title"].startswith(prefix))


def test_key_rotation_under_traffic_loses_nothing_and_expired_or_revoked_keys_are_refused(
    sqlite_nodes: Federation, tmp_path: Path
) -> None:
    hub_node, kaz, chn = sqlite_nodes
    fp = kaz.token("fp-kaz-rotation", "focal_point", "KAZ")
    sec = hub_node.token("sec-rotation", "secretariat")
    fp_chn = chn.token("fp-chn-rotation", "focal_point", "CHN")
    prefix = "Synthetic rotation test"
    old = _signing_key(kaz)
    kaz.post("/api/v1/notifications", fp, json=event_body(title=f"{prefix} A"))
    kaz.sync()
    overlap = timedelta(seconds=3)
    with write_session(kaz.sessions) as session:
        fresh = hub.rotate(
            session,
            principal=OPERATOR,
            keys_dir=keys.keys_dir(kaz.var),
            overlap=overlap,
            now=utcnow(),
        )
    rotated = time.monotonic()
    kaz.post("/api/v1/notifications", fp, json=event_body(title=f"{prefix} B"))
    kaz.sync()  # the rotation (signed by the old key), then B
    hub_node.sync()
    time.sleep(max(overlap.total_seconds() - (time.monotonic() - rotated), 0) + 0.5)
    assert _signing_key(kaz).kid == fresh.kid
    kaz.post("/api/v1/notifications", fp, json=event_body(title=f"{prefix} C"))
    kaz.sync()
    hub_node.sync()
    chn.sync()
    expected = [f"{prefix} {x}" for x in "ABC"]
    assert _titles(hub_node, sec, prefix) == expected
    assert _titles(chn, fp_chn, prefix) == expected
    status = kaz.status()["hub"]
    assert status["queued"] == 0 and status["failed"] == 0, status
    # The old key is past its overlap: a message signed with it now is refused.
    genuine = _exported(kaz, fp, f"{prefix} D")
    payload = _payload(genuine.token)
    expired = _resealed(payload, old, created=envelope.format_time(utcnow()))
    _refused(hub_node, expired, _route(_payload(expired), fresh, "kaz", "KAZ"), "expired key")
    # A key the hub revoked: refused even for a message made while it was valid.
    spare = keys.generate(tmp_path / "spare")
    hub_node.cli(
        "federation", "trust", "add", "kaz", "--state", "KAZ", "--url", kaz.url,
        "--key", keys.jwk_line(spare.key),
    )  # fmt: skip
    hub_node.cli("federation", "trust", "revoke", "kaz", "--kid", spare.kid)
    revoked = _resealed(payload, spare)
    _refused(hub_node, revoked, _route(_payload(revoked), fresh, "kaz", "KAZ"), "revoked key")
    kaz.sync()  # the genuine D still goes through
    assert _titles(hub_node, sec, prefix) == [*expected, f"{prefix} D"]
