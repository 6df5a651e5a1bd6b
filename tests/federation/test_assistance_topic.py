"""Assistance records travel as snapshots and are read-only replicas where they arrive."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service
from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, Commitment
from epibridge.assistance.schemas import (
    CommitmentStatusUpdate,
    OfferCreate,
    RequestCreate,
    RequestUpdate,
)
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict
from epibridge.federation import refs
from epibridge.federation.messages import Outgoing, Refused, TooEarly
from epibridge.security import Principal, Role
from tests.federation.twonodes import deliver, export, second_node

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
SECRETARIAT = Principal(user_id=3, name="sec", role=Role.SECRETARIAT)


@pytest.fixture
def origin(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with second_node(sqlite_template, tmp_path / "kaz") as made:
        kaz_url = str(made.kw["bind"].url)
        monkeypatch.setattr(
            refs,
            "this_node_resolver",
            lambda s: "kaz-node" if str(s.get_bind().url) == kaz_url else "chn-node",
        )
        yield made


def _request() -> RequestCreate:
    return RequestCreate.model_validate(
        {
            "state": "KAZ",
            "urgency": "immediate",
            "delivery_point": "Almaty airport cargo terminal",
            "needed_by": utcnow().date() + timedelta(days=10),
            "lines": [{"item": "ppe-respirator", "quantity": 1000, "unit": "piece"}],
        }
    )


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_request_offer_commitment_replicas_with_origin_and_no_local_edits(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    kaz_seen: set[str] = set()
    chn_seen: set[str] = set()
    with write_session(origin) as session:
        request_id = service.create_request(session, actor=FP_KAZ, data=_request()).id
    out = export(origin, kaz_seen)
    deliver(sessions, out)
    deliver(sessions, out)  # replayed snapshot: still one replica
    with read_session(sessions) as session:
        replica = session.execute(select(AssistanceRequest)).scalar_one()
        assert (replica.origin_node, replica.origin_id) == ("kaz-node", str(request_id))
        read = service.get_request(session, actor=FP_CHN, request_id=replica.id)
        assert read.origin_node == "kaz-node" and read.lines[0].quantity == 1000

    # CHN answers KAZ's request on its own node and pledges at once.
    with write_session(sessions) as session:
        service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": replica.id,
                    "commit": True,
                    "lines": [{"item": "ppe-respirator", "quantity": 400, "unit": "piece"}],
                }
            ),
        )
    back = export(sessions, chn_seen)
    assert [o.topic for o in back] == ["assistance.offer", "assistance.commitment"]
    deliver(origin, back, node="chn-node", state="CHN")
    with read_session(origin) as session:
        offer = session.execute(select(AssistanceOffer)).scalar_one()
        pledge = session.execute(select(Commitment)).scalar_one()
        assert offer.origin_node == "chn-node" and offer.request_id == request_id
        assert (pledge.request_id, pledge.quantity, pledge.origin_node) == (
            request_id,
            400,
            "chn-node",
        )
        remaining = service.get_request(session, actor=FP_KAZ, request_id=request_id)
        assert remaining.lines[0].remaining == 600

    # The origin changes its request: the replica follows, and is not doubled.
    with write_session(origin) as session:
        service.update_request(
            session, actor=FP_KAZ, request_id=request_id, data=RequestUpdate(note="urgent")
        )
    deliver(sessions, export(origin, kaz_seen))
    assert _count(sessions, AssistanceRequest) == 1
    with read_session(sessions) as session:
        assert session.execute(select(AssistanceRequest.note)).scalar_one() == "urgent"

    # Replicas refuse local edits, naming their origin; nothing is echoed back.
    with pytest.raises(Conflict, match="kaz-node"), write_session(sessions) as session:
        service.update_request(
            session, actor=SECRETARIAT, request_id=replica.id, data=RequestUpdate(note="x")
        )
    with pytest.raises(Conflict, match="chn-node"), write_session(origin) as session:
        service.withdraw_offer(session, actor=SECRETARIAT, offer_id=offer.id)
    assert export(origin, kaz_seen) == []


def test_a_node_cannot_land_another_states_request(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    with write_session(origin) as session:
        service.create_request(session, actor=FP_KAZ, data=_request())
    with pytest.raises(Refused) as refused:
        deliver(sessions, export(origin, set()), node="chn-node", state="CHN")
    assert refused.value.status == 422
    assert _count(sessions, AssistanceRequest) == 0


def _step(sessions: sessionmaker[Session], actor: Principal, commitment_id: int, status: str):
    with write_session(sessions) as session:
        service.change_status(
            session,
            actor=actor,
            commitment_id=commitment_id,
            data=CommitmentStatusUpdate.model_validate({"status": status, "note": f"{status}."}),
        )


def test_the_requester_confirms_receipt_on_its_node_and_the_commitments_node_applies_it(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    kaz_seen: set[str] = set()
    chn_seen: set[str] = set()
    with write_session(origin) as session:
        service.create_request(session, actor=FP_KAZ, data=_request())
    deliver(sessions, export(origin, kaz_seen))
    with write_session(sessions) as session:
        replica_request = session.execute(select(AssistanceRequest.id)).scalar_one()
        service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": replica_request,
                    "commit": True,
                    "lines": [{"item": "ppe-respirator", "quantity": 400, "unit": "piece"}],
                }
            ),
        )
        pledge = session.execute(select(Commitment.id)).scalar_one()
    _step(sessions, FP_CHN, pledge, "dispatched")
    _step(sessions, FP_CHN, pledge, "delivered")
    deliver(origin, export(sessions, chn_seen), node="chn-node", state="CHN")
    with read_session(origin) as session:
        replica = session.execute(select(Commitment)).scalar_one()
        assert (replica.origin_node, replica.status) == ("chn-node", "delivered")

    # KAZ confirms receipt on its own node: the one step a replica commitment takes.
    _step(origin, FP_KAZ, replica.id, "confirmed")
    receipt = export(origin, kaz_seen)
    assert [o.topic for o in receipt] == ["assistance.receipt"]
    assert receipt[0].body["commitment"] == {"node": "chn-node", "id": str(pledge)}
    # Any other step on the replica is still refused, naming the commitment's node.
    with pytest.raises(Conflict, match="chn-node"):
        _step(origin, FP_KAZ, replica.id, "released")

    # The commitment's node applies it as KAZ's node and sends the commitment as it is now.
    deliver(sessions, receipt)
    with read_session(sessions) as session:
        own = session.get(Commitment, pledge)
        assert own is not None and own.origin_node is None
        assert (own.status, own.confirmed_on) == ("confirmed", utcnow().date())
        assert own.note is not None and own.note.endswith("confirmed.")
    deliver(sessions, receipt)  # the same receipt again (another id): nothing changes
    back = export(sessions, chn_seen)
    assert [o.topic for o in back] == ["assistance.commitment"]
    assert back[0].body["status"] == "confirmed"
    deliver(origin, back, node="chn-node", state="CHN")
    with read_session(origin) as session:
        again = session.execute(select(Commitment)).scalar_one()
        assert (again.id, again.status, again.note) == (replica.id, "confirmed", own.note)
    assert export(origin, kaz_seen) == []  # the refreshed replica is not echoed


def test_a_receipt_from_a_state_that_did_not_request_is_refused(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    with write_session(origin) as session:
        service.create_request(session, actor=FP_KAZ, data=_request())
    out = export(origin, set())
    deliver(sessions, out)
    with write_session(sessions) as session:
        replica_request = session.execute(select(AssistanceRequest.id)).scalar_one()
        service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": replica_request,
                    "commit": True,
                    "lines": [{"item": "ppe-respirator", "quantity": 10, "unit": "piece"}],
                }
            ),
        )
        pledge = session.execute(select(Commitment.id)).scalar_one()
    forged = Outgoing(
        topic="assistance.receipt",
        body={
            "request": out[0].body["ref"],
            "commitment": {"node": "chn-node", "id": str(pledge)},
            "confirmed_on": utcnow().date().isoformat(),
            "note": None,
        },
    )
    with pytest.raises(Refused) as refused:  # RUS's node speaking for KAZ's request
        deliver(sessions, [forged], node="rus-node", state="RUS")
    assert refused.value.status == 422
    with read_session(sessions) as session:
        assert session.get(Commitment, pledge).status == "pledged"  # type: ignore[union-attr]


def test_an_offer_before_its_request_is_too_early_and_lands_after_it(
    origin: sessionmaker[Session],
    sessions: sessionmaker[Session],
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RUS's node gets CHN's offer on KAZ's request before the request itself (push and pull
    racing): too early, nothing stored; once the request is there the same message lands."""
    with write_session(origin) as session:
        service.create_request(session, actor=FP_KAZ, data=_request())
    request = export(origin, set())
    deliver(sessions, request)
    with write_session(sessions) as session:
        replica = session.execute(select(AssistanceRequest.id)).scalar_one()
        service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": replica,
                    "lines": [{"item": "ppe-respirator", "quantity": 5, "unit": "piece"}],
                }
            ),
        )
    offer = [o for o in export(sessions, set()) if o.topic == "assistance.offer"]
    assert offer and offer[0].body["request"]["node"] == "kaz-node"
    with second_node(sqlite_template, tmp_path / "rus") as rus:
        resolve = refs.this_node_resolver
        rus_url = str(rus.kw["bind"].url)
        monkeypatch.setattr(
            refs,
            "this_node_resolver",
            lambda s: "rus-node" if str(s.get_bind().url) == rus_url else resolve(s),
        )
        with pytest.raises(TooEarly, match="request"):
            deliver(rus, offer, node="chn-node", state="CHN")
        assert _count(rus, AssistanceOffer) == 0
        deliver(rus, request)
        deliver(rus, offer, node="chn-node", state="CHN")
        deliver(rus, offer, node="chn-node", state="CHN")  # delivered again: still one
        with read_session(rus) as session:
            held = session.execute(select(AssistanceOffer)).scalar_one()
            assert held.origin_node == "chn-node" and held.request_id is not None
