"""Consultations travel from their convener's node; positions and signatures from each state's.

The hub (the test's database) convenes and puts a draft to decision; KAZ's and CHN's nodes
(two more SQLite files) hold the consultation as a replica; KAZ takes its position and signs
on its own node; the hub and CHN see both, marked with their origin; replicas refuse local
edits; a position arriving before its consultation is "too early" and lands once it is there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service
from epibridge.consultations.models import Consultation, Decision, Document, Position, Signature
from epibridge.consultations.schemas import SignatureCreate
from epibridge.consultations.service.decisions import SCHEDULER_ACTOR
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict
from epibridge.federation import refs
from epibridge.federation.messages import TooEarly
from epibridge.federation.topics.consultations import POSITION, SIGNATURE, SNAPSHOT
from tests.consultations.scenario import DEADLINE, NOW, SECRETARIAT, fp, position, under_decision
from tests.federation.twonodes import deliver, export, second_node

HUB = {"node": "hub", "state": None}
KAZ = {"node": "kaz-node", "state": "KAZ"}


@pytest.fixture
def nodes(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """KAZ's and CHN's nodes beside the hub; each database knows which node it is."""
    with (
        second_node(sqlite_template, tmp_path / "kaz") as kaz,
        second_node(sqlite_template, tmp_path / "chn") as chn,
    ):
        names = {str(kaz.kw["bind"].url): "kaz-node", str(chn.kw["bind"].url): "chn-node"}
        monkeypatch.setattr(
            refs, "this_node_resolver", lambda s: names.get(str(s.get_bind().url), "hub")
        )
        yield kaz, chn


def _positions(sessions: sessionmaker[Session]) -> dict[str, tuple[str, str | None]]:
    with read_session(sessions) as session:
        rows = session.execute(select(Position)).scalars()
        return {p.state_iso3: (p.position.value, p.origin_node) for p in rows}


def _replica_document(sessions: sessionmaker[Session]) -> int:
    with read_session(sessions) as session:
        query = select(Document.id).where(Document.origin_node == "hub")
        return session.execute(query).scalar_one()


def test_positions_and_signatures_given_on_a_states_node_reach_the_convener_and_the_others(
    nodes: tuple[sessionmaker[Session], sessionmaker[Session]], sessions: sessionmaker[Session]
) -> None:
    kaz, chn = nodes
    hub_doc = under_decision(sessions).document_id
    hub_seen: set[str] = set()
    convened = export(sessions, hub_seen)
    assert {o.topic for o in convened} == {SNAPSHOT}  # convened, version 1, put to decision
    deliver(kaz, convened, **HUB)
    with read_session(kaz) as session:
        replica = session.execute(select(Consultation)).scalar_one()
        assert replica.origin_node == "hub" and replica.status == "open"
        assert [p.state_iso3 for p in replica.participants] == ["CHN", "KAZ", "MNG", "RUS"]
        decision = session.execute(select(Decision)).scalar_one()
        assert (decision.origin_node, decision.status) == ("hub", "open")
    kaz_doc = _replica_document(kaz)

    # KAZ takes its position on its own node; it travels alone (the replica is not echoed).
    position(kaz, kaz_doc, "KAZ", "support")
    kaz_seen: set[str] = set()
    from_kaz = export(kaz, kaz_seen)
    assert [o.topic for o in from_kaz] == [POSITION]
    assert from_kaz[0].body["decision"]["node"] == "hub"
    deliver(sessions, from_kaz, **KAZ)
    assert _positions(sessions) == {"KAZ": ("support", "kaz-node")}

    # CHN's node gets the relayed position before the consultation: too early, nothing stored.
    with pytest.raises(TooEarly, match="decision"):
        deliver(chn, from_kaz, **KAZ)
    assert _positions(chn) == {}
    deliver(chn, convened, **HUB)
    deliver(chn, from_kaz, **KAZ)  # again, once the decision is here: lands once
    deliver(chn, from_kaz, **KAZ)
    assert _positions(chn) == {"KAZ": ("support", "kaz-node")}

    # A position recorded on the hub travels after the consultation as it is then.
    position(sessions, hub_doc, "RUS", "support")
    position(sessions, hub_doc, "CHN", "support")
    from_hub = export(sessions, hub_seen)
    assert [o.topic for o in from_hub] == [SNAPSHOT, POSITION, SNAPSHOT, POSITION]
    deliver(kaz, from_hub, **HUB)
    deliver(chn, from_hub, **HUB)
    expected = {"KAZ": ("support", None), "RUS": ("support", "hub"), "CHN": ("support", "hub")}
    assert _positions(kaz) == expected
    assert _positions(chn) == {**expected, "KAZ": ("support", "kaz-node")}

    # Replicas refuse local edits, naming their node.
    with pytest.raises(Conflict, match="kaz-node"):
        position(sessions, hub_doc, "KAZ", "object", actor=SECRETARIAT, reasons="x")
    with pytest.raises(Conflict, match="hub"), write_session(kaz) as session:
        service.close_decision(session, actor=fp("KAZ"), document_id=kaz_doc, now=NOW)
    with write_session(kaz) as session:  # the scheduler leaves a replica to its convener
        assert (
            service.close_due_decisions(
                session, actor=SCHEDULER_ACTOR, now=DEADLINE + timedelta(minutes=1)
            )
            == []
        )

    # The convener closes; the adopted document reaches KAZ, which signs on its own node.
    with write_session(sessions) as session:
        service.close_due_decisions(
            session, actor=SCHEDULER_ACTOR, now=DEADLINE + timedelta(minutes=1)
        )
    deliver(kaz, export(sessions, hub_seen), **HUB)
    with write_session(kaz) as session:
        document = session.get(Document, kaz_doc)
        assert document is not None and document.status == "adopted" and document.number
        service.sign(
            session,
            actor=fp("KAZ"),
            document_id=kaz_doc,
            data=SignatureCreate(state="KAZ"),
            now=DEADLINE + timedelta(hours=1),
        )
    signed = export(kaz, kaz_seen)
    assert [o.topic for o in signed] == [SIGNATURE]
    deliver(sessions, signed, **KAZ)
    with read_session(sessions) as session:
        signature = session.execute(select(Signature)).scalar_one()
        assert (signature.document_id, signature.origin_node) == (hub_doc, "kaz-node")


def test_a_state_with_its_own_node_speaks_there_and_not_on_the_hub(
    the_hub, kaz_key, sessions: sessionmaker[Session]
) -> None:
    """Once KAZ runs a node (the trust list), its positions are given there, never on the hub."""
    hub_doc = under_decision(sessions).document_id
    the_hub.trust("kaz-node", "KAZ", kaz_key)
    with pytest.raises(Conflict, match="kaz-node"):
        position(sessions, hub_doc, "KAZ", "support")
    position(sessions, hub_doc, "RUS", "support")  # RUS has no node: it speaks on the hub
    assert _positions(sessions) == {"RUS": ("support", None)}
