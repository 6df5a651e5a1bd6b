"""Positions travel to the node holding their decision and are read-only replicas there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations.models import Decision, Document, Position
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict
from epibridge.federation import handlers, refs
from tests.consultations.scenario import SECRETARIAT, position, under_decision
from tests.federation.twonodes import deliver, envelope, export, second_node


@pytest.fixture
def kaz(sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with second_node(sqlite_template, tmp_path / "kaz") as made:
        kaz_url = str(made.kw["bind"].url)
        monkeypatch.setattr(
            refs,
            "this_node_resolver",
            lambda s: "kaz-node" if str(s.get_bind().url) == kaz_url else "hub",
        )
        yield made


def _positions(sessions: sessionmaker[Session]) -> dict[str, tuple[str, str | None]]:
    with read_session(sessions) as session:
        rows = session.execute(select(Position)).scalars()
        return {p.state_iso3: (p.position.value, p.origin_node) for p in rows}


def test_positions_land_on_the_decision_held_and_refuse_local_edits(
    kaz: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    hub_doc = under_decision(sessions).document_id
    kaz_doc = under_decision(kaz).document_id
    with write_session(sessions) as session:
        hub_decision = session.execute(select(Decision.id)).scalar_one()
    # The KAZ node holds the hub's consultation as a replica (what a consultation topic lands).
    with write_session(kaz) as session:
        session.execute(update(Document).values(origin_node="hub", origin_id=str(hub_doc)))
        session.execute(update(Decision).values(origin_node="hub", origin_id=str(hub_decision)))
    hub_seen: set[str] = set()
    export(sessions, hub_seen)  # the hub's own convening and drafting: not positions

    position(kaz, kaz_doc, "KAZ", "object", reasons="Synthetic: needs a data annex")
    deliver(sessions, export(kaz, set()))
    assert _positions(sessions) == {"KAZ": ("object", "kaz-node")}

    position(sessions, hub_doc, "RUS", "support")
    out = export(sessions, hub_seen)
    assert [o.topic for o in out] == ["consultation.position"]  # the KAZ replica is not echoed
    deliver(kaz, out, node="hub", state=None)
    assert _positions(kaz) == {"KAZ": ("object", None), "RUS": ("support", "hub")}

    with pytest.raises(Conflict, match="kaz-node"):
        position(sessions, hub_doc, "KAZ", "support", actor=SECRETARIAT)
    assert _positions(sessions)["KAZ"] == ("object", "kaz-node")

    # A node holding no such decision stores nothing (a relayed message about another one).
    stray = envelope(out[0], node="hub", state=None)
    with write_session(kaz) as session:
        body = {**stray.body, "decision": {"node": None, "id": "999"}}
        handlers.apply(session, type(stray)(**{**stray.__dict__, "body": body}))
    assert len(_positions(kaz)) == 2
