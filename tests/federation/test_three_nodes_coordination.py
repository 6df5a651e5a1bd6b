"""Issue 18, coordination between three real servers (hub, KAZ node, CHN node) on loopback.

Assistance: CHN pledges on its node to KAZ's request; KAZ confirms receipt on its own node,
the receipt travels to CHN's node, which confirms its commitment, and the hub and KAZ see it
confirmed. Consultations: the hub convenes; KAZ and CHN take their positions and KAZ signs
on their own nodes; the hub (the convener) and the other node hold them, marked with their
origin. Ordering: a message that reaches a node before the record it names is answered 425
and stored nowhere; it lands, once, when the record has come (pushed, or pulled again).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, Commitment
from epibridge.consultations.models import (
    Consultation,
    Decision,
    Document,
    Position,
    Signature,
)
from epibridge.db import read_session, utcnow, write_session
from epibridge.federation.models import RefusedMessage, SeenMessage
from epibridge.federation.transport import sync
from epibridge.federation.transport.models import LogEntry, Peer
from epibridge.security import operator_principal
from tests.federation.nodes import Federation, Node

pytestmark = pytest.mark.xdist_group("federation-nodes")


def _created(node: Node, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    response = node.post(path, headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _request(node: Node, headers: dict[str, str], point: str) -> Any:
    return _created(
        node,
        "/api/v1/assistance/requests",
        headers,
        {
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": point,
            "needed_by": (utcnow().date() + timedelta(days=10)).isoformat(),
            "lines": [{"item": "ppe-respirator", "quantity": 1000, "unit": "piece"}],
        },
    )


def _replica_id(node: Node, model: type, origin: str, origin_id: object) -> int:
    with read_session(node.sessions) as session:
        return session.execute(
            select(model.id).where(model.origin_node == origin, model.origin_id == str(origin_id))
        ).scalar_one()


def _commitment(node: Node, **where: object) -> Commitment:
    with read_session(node.sessions) as session:
        row = session.execute(select(Commitment).filter_by(**where)).scalar_one()
        session.expunge(row)
        return row


def test_kaz_confirms_receipt_on_its_node_and_chns_commitment_is_confirmed_everywhere(
    sqlite_nodes: Federation,
) -> None:
    hub, kaz, chn = sqlite_nodes
    fp_kaz = kaz.token("fp-kaz-receipt", "focal_point", "KAZ")
    fp_chn = chn.token("fp-chn-receipt", "focal_point", "CHN")
    request = _request(kaz, fp_kaz, "Synthetic: Almaty airport cargo terminal")
    kaz.sync()
    chn.sync()  # pulls KAZ's request from the hub
    on_chn = _replica_id(chn, AssistanceRequest, "kaz", request["id"])
    offer = _created(
        chn,
        "/api/v1/assistance/offers",
        fp_chn,
        {
            "state": "CHN",
            "request_id": on_chn,
            "commit": True,
            "lines": [{"item": "ppe-respirator", "quantity": 400, "unit": "piece"}],
        },
    )
    pledge = _commitment(chn, offer_id=offer["id"])
    for step in ("dispatched", "delivered"):
        _created(
            chn, f"/api/v1/assistance/commitments/{pledge.id}/status", fp_chn, {"status": step}
        )
    chn.sync()
    kaz.sync()
    replica = _commitment(kaz, origin_node="chn", origin_id=str(pledge.id))
    assert replica.status == "delivered"

    # KAZ confirms receipt on its own node (its request is local there).
    confirmed = _created(
        kaz,
        f"/api/v1/assistance/commitments/{replica.id}/status",
        fp_kaz,
        {"status": "confirmed", "note": "Synthetic: 400 respirators received"},
    )
    assert confirmed["status"] == "confirmed"
    kaz.sync()  # the receipt to the hub, which relays it
    hub.sync()  # ... to CHN, whose node confirms its commitment
    chn.sync()  # CHN's confirmed commitment to the hub
    hub.sync()  # ... and on to KAZ
    own = _commitment(chn, id=pledge.id)
    assert (own.status, own.origin_node) == ("confirmed", None)
    assert own.note is not None and own.note.endswith("400 respirators received")
    on_hub = _commitment(hub, origin_node="chn", origin_id=str(pledge.id))
    assert (on_hub.status, on_hub.confirmed_on) == ("confirmed", own.confirmed_on)
    again = _commitment(kaz, origin_node="chn", origin_id=str(pledge.id))
    assert (again.id, again.status, again.note) == (replica.id, "confirmed", own.note)
    for node in (hub, kaz, chn):
        assert all(peer["failed"] == 0 for peer in node.status().values()), node.name


def test_positions_and_a_signature_given_on_the_states_nodes_reach_the_convener_and_chn(
    sqlite_nodes: Federation,
) -> None:
    hub, kaz, chn = sqlite_nodes
    sec = hub.token("sec-consult", "secretariat")
    fp_kaz = kaz.token("fp-kaz-consult", "focal_point", "KAZ")
    fp_chn = chn.token("fp-chn-consult", "focal_point", "CHN")
    fp_kaz_on_hub = hub.token("fp-kaz-on-hub", "focal_point", "KAZ")
    base = "/api/v1/consultations"
    topic = "Synthetic federation test: joint statement on laboratory data"
    consultation = _created(hub, base, sec, {"topic": topic, "participants": ["KAZ", "CHN"]})
    cid = consultation["id"]
    document = _created(
        hub,
        f"{base}/{cid}/documents",
        sec,
        {"kind": "joint_statement", "title": "Synthetic joint statement", "texts": {"en": "Text."}},
    )
    doc = f"{base}/{cid}/documents/{document['id']}"
    deadline = (utcnow() + timedelta(days=7)).isoformat()
    _created(hub, f"{doc}/decision", sec, {"version": 1, "deadline": deadline})
    hub.sync()  # the consultation, as a snapshot, to KAZ's and CHN's nodes

    def on(node: Node) -> str:
        with read_session(node.sessions) as session:
            local = session.execute(
                select(Consultation.id).where(
                    Consultation.origin_node == "hub", Consultation.origin_id == str(cid)
                )
            ).scalar_one()
            paper = session.execute(
                select(Document.id).where(Document.consultation_id == local)
            ).scalar_one()
        return f"{base}/{local}/documents/{paper}"

    for node, headers, state in ((kaz, fp_kaz, "KAZ"), (chn, fp_chn, "CHN")):
        body = {"state": state, "version": 1, "position": "support"}
        _created(node, f"{on(node)}/positions", headers, body)
        node.sync()
    hub.sync()
    refused = hub.post(
        f"{doc}/positions", fp_kaz_on_hub, json={"state": "KAZ", "version": 1, "position": "object"}
    )
    assert refused.status_code == 409 and "kaz" in refused.json()["detail"], refused.text

    def stances(node: Node) -> dict[str, tuple[str, str | None]]:
        path = on(node) if node is not hub else doc
        paper = int(path.rsplit("/", 1)[1])
        with read_session(node.sessions) as session:
            rows = session.execute(
                select(Position.state_iso3, Position.position, Position.origin_node)
                .join(Decision, Decision.id == Position.decision_id)
                .where(Decision.document_id == paper)
            ).all()
        return {state: (stance.value, origin) for state, stance, origin in rows}

    assert stances(hub) == {"KAZ": ("support", "kaz"), "CHN": ("support", "chn")}
    assert stances(kaz) == {"KAZ": ("support", None), "CHN": ("support", "chn")}
    assert stances(chn) == {"KAZ": ("support", "kaz"), "CHN": ("support", None)}

    # Every member has spoken: the convener closes early; the adopted document travels.
    closed = _created(hub, f"{doc}/decision/close", sec, {})
    assert closed["status"] == "adopted", closed
    hub.sync()
    signed = _created(kaz, f"{on(kaz)}/signatures", fp_kaz, {"state": "KAZ"})
    assert signed["state"] == "KAZ"
    kaz.sync()
    hub.sync()
    for node, origin in ((hub, "kaz"), (chn, "kaz"), (kaz, None)):
        with read_session(node.sessions) as session:
            held = session.execute(
                select(Signature.origin_node).where(Signature.state_iso3 == "KAZ")
            ).all()
        assert held == [(origin,)], node.name


def _entry(node: Node, topic: str, origin: str) -> LogEntry:
    with read_session(node.sessions) as session:
        row = session.execute(
            select(LogEntry)
            .where(LogEntry.topic == topic, LogEntry.origin_node == origin)
            .order_by(LogEntry.seq.desc())
            .limit(1)
        ).scalar_one()
        session.expunge(row)
        return row


def _counts(node: Node) -> tuple[int, int]:
    return node.count(SeenMessage), node.count(RefusedMessage)


@contextmanager
def _no_loop(node: Node) -> Iterator[None]:
    """The node serving without its own sync loop, so the test alone decides what moves when
    (another module restarts CHN with the loop on); the node is put back as it was."""
    args = list(node.serve_args)
    if "--no-scheduler" in args:
        yield
        return
    node.stop()
    node.serve_args = ["--no-scheduler", *args]
    node.start()
    try:
        yield
    finally:
        node.stop()
        node.serve_args = args
        node.start()


def test_a_message_before_its_referent_is_answered_425_and_lands_once_after_it(
    sqlite_nodes: Federation,
) -> None:
    hub, kaz, chn = sqlite_nodes
    with _no_loop(chn):
        _race(hub, kaz, chn)


def _race(hub: Node, kaz: Node, chn: Node) -> None:
    for node in (kaz, hub, chn):  # settle: nothing in flight before the race below
        node.sync()
    fp_kaz = kaz.token("fp-kaz-order", "focal_point", "KAZ")
    sec = hub.token("sec-order", "secretariat")
    request = _request(kaz, fp_kaz, "Synthetic: Astana central warehouse")
    kaz.sync()  # the request reaches the hub; CHN does not have it yet
    on_hub = _replica_id(hub, AssistanceRequest, "kaz", request["id"])
    made = _created(
        hub,
        "/api/v1/assistance/offers",
        sec,
        {
            "request_id": on_hub,
            "lines": [{"item": "ppe-respirator", "quantity": 50, "unit": "piece"}],
        },
    )
    sync.export_all(hub.sessions, actor=operator_principal("tester"), settings=hub.settings)
    relayed, offer = (
        _entry(hub, "assistance.request", "kaz"),
        _entry(hub, "assistance.offer", "hub"),
    )
    assert relayed.seq < offer.seq

    # The offer pushed to CHN ahead of the request: 425 naming it; nothing seen, nothing logged.
    before = _counts(chn)
    early = httpx.post(
        chn.url + sync.INBOX,
        content=offer.token.encode(),
        headers={"Content-Type": "application/jose", sync.ROUTE_HEADER: offer.route},
    )
    assert early.status_code == 425, early.text
    assert f"request {request['id']} of node kaz" in early.json()["detail"]
    assert _counts(chn) == before

    # A pull racing the hub's push of the request: CHN's cursor stands after the request.
    with write_session(chn.sessions) as session:
        session.execute(update(Peer).where(Peer.node_id == "hub").values(pulled_seq=relayed.seq))
    chn.sync()  # pulls the offer alone: too early, so the cursor does not move past it
    with read_session(chn.sessions) as session:
        assert session.get(Peer, "hub").pulled_seq == relayed.seq  # type: ignore[union-attr]
    assert _offers(chn, made["id"]) == 0

    # The hub's push of the request arrives; the next pull delivers the offer, once.
    pushed = httpx.post(
        chn.url + sync.INBOX,
        content=relayed.token.encode(),
        headers={"Content-Type": "application/jose", sync.ROUTE_HEADER: relayed.route},
    )
    assert pushed.status_code == 201, pushed.text
    chn.sync()
    hub.sync()  # the hub's own push of both: already had them
    assert _offers(chn, made["id"]) == 1
    with read_session(chn.sessions) as session:
        assert session.get(Peer, "hub").pulled_seq >= offer.seq  # type: ignore[union-attr]
        assert session.get(SeenMessage, offer.message_id) is not None
    assert _counts(chn)[1] == before[1]  # nothing was ever refused
    assert all(peer["failed"] == 0 for peer in hub.status().values())


def _offers(node: Node, hub_id: int) -> int:
    with read_session(node.sessions) as session:
        return len(
            session.execute(
                select(AssistanceOffer.id).where(
                    AssistanceOffer.origin_node == "hub", AssistanceOffer.origin_id == str(hub_id)
                )
            ).all()
        )
