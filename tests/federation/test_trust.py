"""The trust list: issued and signed by the hub, pinned at join, rotated, revoked, never rolled
back; joining over real HTTP from a live hub."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from joserfc import jws
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, InvalidInput
from epibridge.federation import envelope, handlers, hub, inbox, join, keys, trust, trustlist
from epibridge.federation.messages import Refused
from epibridge.federation.models import FederationKey, FederationNode, FederationTrustList
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.settings import Settings
from tests.federation.conftest import NOW, OPERATOR, Hub, Node
from tests.support.server import live_server

ALLOW_LOOPBACK = "127.0.0.0/8"


def _latest(sessions: sessionmaker[Session]) -> str:
    with read_session(sessions) as session:
        token = trust.latest_trust_list(session)
    assert token is not None
    return token


def _payload(token: str, jwk: dict[str, str]) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc's SecurityWarning about the name "EdDSA"
        verified = jws.deserialize_compact(token, keys.parse_public_jwk(jwk), algorithms=["EdDSA"])
    return json.loads(verified.payload)


def test_the_hub_signs_each_version_of_the_trust_list(the_hub: Hub, kaz_key: keys.NodeKey) -> None:
    first = _payload(_latest(the_hub.sessions), the_hub.key.public_jwk())
    assert first["version"] == 1 and first["hub"] == "hub"
    the_hub.trust("kaz-node", "KAZ", kaz_key)
    second = _payload(_latest(the_hub.sessions), the_hub.key.public_jwk())
    assert second["version"] == 2
    kaz = next(n for n in second["nodes"] if n["node_id"] == "kaz-node")  # type: ignore[union-attr]
    assert kaz["state"] == "KAZ" and kaz["keys"][0]["jwk"]["kid"] == kaz_key.kid
    assert "d" not in kaz["keys"][0]["jwk"]
    with read_session(the_hub.sessions) as session:
        published = (
            session.execute(
                select(OutboxMessage).where(OutboxMessage.topic == trust.TRUST_LIST_TOPIC)
            )
            .scalars()
            .all()
        )
        assert [m.payload["version"] for m in published] == [1, 2]
        outgoing = handlers.build(session, published[-1])
    assert outgoing[0].body == {"trust_list": _latest(the_hub.sessions)}


def _rows(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with read_session(sessions) as session:
        return (
            session.execute(select(func.count()).select_from(FederationNode)).scalar_one(),
            session.execute(select(func.count()).select_from(FederationKey)).scalar_one(),
            session.execute(select(func.count()).select_from(FederationTrustList)).scalar_one(),
        )


def test_add_node_refuses_bad_input_naming_the_field(the_hub: Hub, kaz_key: keys.NodeKey) -> None:
    before = _rows(the_hub.sessions)
    cases = [
        ({"state": "XXX"}, "state"),
        ({"url": "ftp://kaz"}, "url"),
        ({"node_id": "../kaz"}, "node_id"),
        ({"jwk": '{"kty":"oct","k":"c2VjcmV0"}'}, "key"),
    ]
    for change, field in cases:
        arguments = {
            "node_id": "kaz-node",
            "state": "KAZ",
            "url": "https://kaz.example.org",
            "jwk": keys.jwk_line(kaz_key.key),
            **change,
        }
        with pytest.raises(InvalidInput) as refused, write_session(the_hub.sessions) as session:
            hub.add_node(
                session, principal=OPERATOR, keys_dir=the_hub.keys_dir, now=NOW, **arguments
            )
        assert [e.field for e in refused.value.errors] == [field]
        assert _rows(the_hub.sessions) == before


def test_a_private_key_is_refused_and_a_key_cannot_serve_two_nodes(
    the_hub: Hub, kaz_key: keys.NodeKey
) -> None:
    private = json.dumps(dict(kaz_key.key.as_dict(private=True)))
    with pytest.raises(InvalidInput), write_session(the_hub.sessions) as session:
        hub.add_node(
            session,
            principal=OPERATOR,
            node_id="kaz-node",
            state="KAZ",
            url="https://kaz.example.org",
            jwk=private,
            keys_dir=the_hub.keys_dir,
            now=NOW,
        )
    the_hub.trust("kaz-node", "KAZ", kaz_key)
    with pytest.raises(Conflict):
        the_hub.trust("chn-node", "CHN", kaz_key)
    with pytest.raises(Conflict):
        the_hub.trust("kaz-node", "CHN", keys.generate(the_hub.keys_dir.parent / "other"))


def test_rotation_announces_the_new_hub_key_in_a_list_signed_by_the_old(the_hub: Hub) -> None:
    with write_session(the_hub.sessions) as session:
        fresh = hub.rotate(
            session,
            principal=OPERATOR,
            keys_dir=the_hub.keys_dir,
            overlap=timedelta(days=7),
            now=NOW,
        )
    token = _latest(the_hub.sessions)
    assert trustlist.signing_kid(token) == the_hub.key.kid
    listed = _payload(token, the_hub.key.public_jwk())
    hub_keys = listed["nodes"][0]["keys"]  # type: ignore[index]
    assert {k["jwk"]["kid"] for k in hub_keys} == {the_hub.key.kid, fresh.kid}
    old = next(k for k in hub_keys if k["jwk"]["kid"] == the_hub.key.kid)
    assert old["not_after"] == envelope.format_time(NOW + timedelta(days=7))
    with read_session(the_hub.sessions) as session:
        during = trust.signing_key(session, keys_dir=the_hub.keys_dir, now=NOW + timedelta(days=6))
        after = trust.signing_key(session, keys_dir=the_hub.keys_dir, now=NOW + timedelta(days=7))
    assert (during.kid, after.kid) == (the_hub.key.kid, fresh.kid)


def test_the_hub_cannot_revoke_its_last_key(the_hub: Hub) -> None:
    with pytest.raises(Conflict), write_session(the_hub.sessions) as session:
        hub.revoke(
            session,
            principal=OPERATOR,
            node_id="hub",
            kid=None,
            keys_dir=the_hub.keys_dir,
            now=NOW,
        )


@pytest.fixture
def hub_url(settings: Settings, the_hub: Hub) -> Iterator[str]:
    with live_server(settings) as base:
        yield base


def _join(node: Node, hub_url: str, hub_key: dict[str, str]) -> int:
    token = join.fetch_trust_list(hub_url, allowed_networks=ALLOW_LOOPBACK)
    with write_session(node.sessions) as session:
        return join.join(
            session, principal=OPERATOR, hub_key=json.dumps(hub_key), token=token, now=NOW
        )


def test_join_over_http_pins_the_hub_and_stores_the_list(
    the_hub: Hub, kaz_node: Node, hub_url: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput) as ssrf:
        join.fetch_trust_list(hub_url, allowed_networks="")
    assert ssrf.value.errors[0].field == "hub_url"
    # Not listed yet: the hub's operator has not added this node.
    with pytest.raises(Conflict):
        _join(kaz_node, hub_url, the_hub.key.public_jwk())
    the_hub.trust("kaz-node", "KAZ", kaz_node.key)
    the_hub.trust("chn-node", "CHN", keys.generate(tmp_path / "chn"))
    before = _rows(kaz_node.sessions)
    impostor = keys.generate(tmp_path / "impostor")
    with pytest.raises(Refused) as refused:
        _join(kaz_node, hub_url, impostor.public_jwk())
    assert refused.value.status == 401 and _rows(kaz_node.sessions) == before
    assert _join(kaz_node, hub_url, the_hub.key.public_jwk()) == 3
    with read_session(kaz_node.sessions) as session:
        nodes = {n.node_id: n for n in trust.list_nodes(session, principal=OPERATOR)}
    assert set(nodes) == {"hub", "kaz-node", "chn-node"} and nodes["kaz-node"].is_self
    assert nodes["chn-node"].state == "CHN"


def _send_latest_trust_list(the_hub: Hub, node: Node) -> None:
    """What the transport does: build from the hub's outbox, seal, hand to the node's inbox."""
    with read_session(the_hub.sessions) as session:
        message = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.topic == trust.TRUST_LIST_TOPIC)
            .order_by(OutboxMessage.created_at.desc())
            .limit(1)
        ).scalar_one()
        (outgoing,) = handlers.build(session, message)
        key = trust.signing_key(session, keys_dir=the_hub.keys_dir, now=NOW)
    token = envelope.seal(
        key=key,
        origin_node="hub",
        origin_state=None,
        topic=outgoing.topic,
        body=outgoing.body,
        created=NOW,
    )
    inbox.receive_in(node.sessions, token=token, now=NOW)


def _held_version(node: Node) -> int:
    with read_session(node.sessions) as session:
        return session.execute(select(func.max(FederationTrustList.version))).scalar_one()


def test_new_lists_travel_as_messages_and_old_ones_are_refused(
    the_hub: Hub, kaz_node: Node, hub_url: str, tmp_path: Path
) -> None:
    the_hub.trust("kaz-node", "KAZ", kaz_node.key)
    _join(kaz_node, hub_url, the_hub.key.public_jwk())
    old_list = _latest(the_hub.sessions)
    with write_session(the_hub.sessions) as session:
        fresh = hub.rotate(
            session,
            principal=OPERATOR,
            keys_dir=the_hub.keys_dir,
            overlap=timedelta(days=7),
            now=NOW,
        )
    _send_latest_trust_list(the_hub, kaz_node)
    assert _held_version(kaz_node) == 3
    with read_session(kaz_node.sessions) as session:
        hub_row = next(
            n for n in trust.list_nodes(session, principal=OPERATOR) if n.node_id == "hub"
        )
    assert {k.kid for k in hub_row.keys} == {the_hub.key.kid, fresh.kid}
    # A replayed older list changes nothing and is refused.
    with pytest.raises(Refused) as refused, write_session(kaz_node.sessions) as session:
        join.accept_trust_list(session, principal=OPERATOR, token=old_list, now=NOW)
    assert refused.value.status == 422
    # A list signed by a node's key (not the hub's) is refused.
    forged_list = trustlist.TrustList("hub", 99, NOW, ())
    forged = trustlist.sign(forged_list, key=kaz_node.key)
    with pytest.raises(Refused) as refused, write_session(kaz_node.sessions) as session:
        join.accept_trust_list(session, principal=OPERATOR, token=forged, now=NOW)
    assert refused.value.status == 401
    # After the overlap the new hub key signs; the node learnt it from the rotation's list.
    the_hub.trust("chn-node", "CHN", keys.generate(tmp_path / "chn"), now=NOW + timedelta(days=8))
    token = _latest(the_hub.sessions)
    assert trustlist.signing_kid(token) == fresh.kid
    with write_session(kaz_node.sessions) as session:
        assert (
            join.accept_trust_list(
                session, principal=OPERATOR, token=token, now=NOW + timedelta(days=8)
            )
            == 4
        )


def test_a_national_rotation_reaches_the_hub_signed_by_the_old_key(
    the_hub: Hub, kaz_node: Node, hub_url: str
) -> None:
    the_hub.trust("kaz-node", "KAZ", kaz_node.key)
    _join(kaz_node, hub_url, the_hub.key.public_jwk())
    with write_session(kaz_node.sessions) as session:
        fresh = hub.rotate(
            session,
            principal=OPERATOR,
            keys_dir=kaz_node.keys_dir,
            overlap=timedelta(days=7),
            now=NOW,
        )
    with read_session(kaz_node.sessions) as session:
        message = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == trust.KEY_ROTATED_TOPIC)
        ).scalar_one()
        (outgoing,) = handlers.build(session, message)
        key = trust.signing_key(session, keys_dir=kaz_node.keys_dir, now=NOW)
    assert key.kid == kaz_node.key.kid
    token = envelope.seal(
        key=key,
        origin_node="kaz-node",
        origin_state="KAZ",
        topic=outgoing.topic,
        body=outgoing.body,
        created=NOW,
    )
    inbox.receive_in(the_hub.sessions, token=token, now=NOW)
    listed = _payload(_latest(the_hub.sessions), the_hub.key.public_jwk())
    kaz = next(n for n in listed["nodes"] if n["node_id"] == "kaz-node")  # type: ignore[union-attr]
    by_kid = {k["jwk"]["kid"]: k for k in kaz["keys"]}
    assert set(by_kid) == {kaz_node.key.kid, fresh.kid}
    assert by_kid[kaz_node.key.kid]["not_after"] == envelope.format_time(NOW + timedelta(days=7))
