"""Notifications between two nodes' databases: built from one, applied to the other.

Two real databases (KAZ's node and CHN's node) on the backend under test. Envelopes are made
directly from what the builders return: signing and its checks are the inbox's (tested with
fedcore); here the bodies, replicas and their rules are under test. Synthetic test data.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import create_db_engine, make_sessionmaker, read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.detection.schemas import SignalDismiss
from epibridge.detection.service import replicas as signal_replicas
from epibridge.errors import Conflict
from epibridge.federation import body_schemas as schemas
from epibridge.federation import handlers, node_identity
from epibridge.federation.messages import SCHEMA_VERSION, Envelope, Outgoing, Refused, TooEarly
from epibridge.notifications import cap as caplib
from epibridge.notifications import service
from epibridge.notifications.models import (
    Acknowledgement,
    NotificationEvent,
    NotificationVersion,
)
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas import (
    AssessmentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.settings import Settings
from tests.conftest import _pg_template_var
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.federation.twonodes import second_node
from tests.notifications.factory import FP_CHN, FP_KAZ, SECRETARIAT, event_body

KAZ_NODE = "kaz-node"
CHN_NODE = "chn-node"
NODE_STATE = {KAZ_NODE: "KAZ", CHN_NODE: "CHN"}
Sessions = sessionmaker[Session]


@pytest.fixture
def peer(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sessions]:
    """A second node's database on the same backend (CHN's node), migrated like the first."""
    var = tmp_path / "peer-var"
    drop = None
    if db_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "peer.db")
        shutil.copytree(template.parent / "var", var)
        url = f"sqlite:///{tmp_path / 'peer.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        shutil.copytree(_pg_template_var(request.getfixturevalue("tmp_path_factory")), var)
        drop = "p_" + uuid.uuid4().hex[:12]
        cluster.execute(f"CREATE DATABASE {drop} TEMPLATE epibridge_template")
        url = cluster.url(drop)
    engine = create_db_engine(url)
    settings = Settings(database_url=url, var_dir=var, secret_key="test-secret")
    try:
        yield make_sessionmaker(engine, audit=audit.trail_for(settings))
    finally:
        engine.dispose()
        if drop:
            cluster.execute(f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)")


@pytest.fixture
def nodes(
    sessions: Sessions, peer: Sessions, monkeypatch: pytest.MonkeyPatch
) -> tuple[Sessions, Sessions]:
    """KAZ's node and CHN's node, each knowing its own node id."""
    ids = {str(sessions.kw["bind"].url): KAZ_NODE, str(peer.kw["bind"].url): CHN_NODE}
    monkeypatch.setattr(
        node_identity, "this_node_id", lambda session: ids[str(session.get_bind().url)]
    )
    return sessions, peer


def valid(out: Outgoing) -> Outgoing:
    """``out``, once its body passed the topic's shipped JSON Schema (independent validator)."""
    validator = jsonschema_rs.Draft202012Validator(schemas.load(out.topic), validate_formats=True)
    errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(out.body)))]
    assert not errors, (out.topic, errors)
    return out


def outgoing(node: Sessions, topic: str) -> list[Outgoing]:
    """What the node's exporter would send for its outbox messages of ``topic``."""
    with read_session(node) as session:
        found = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.topic == topic)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        ).scalars()
        return [valid(out) for message in found for out in handlers.build(session, message)]


def envelope(out: Outgoing, origin: str, *, state: str | None = None) -> Envelope:
    """The message as the receiver's inbox hands it on once verified (JSON round trip)."""
    return Envelope(
        id=str(uuid.uuid4()),
        origin_node=origin,
        origin_state=state or NODE_STATE[origin],
        created=utcnow(),
        topic=out.topic,
        schema_version=SCHEMA_VERSION,
        body=json.loads(json.dumps(out.body)),
        kid=f"{origin}-key",
        token="not-checked-here",
    )


def deliver(node: Sessions, message: Envelope) -> None:
    with write_session(node) as session:
        handlers.apply(session, message)


def create(node: Sessions, **overrides: Any) -> int:
    with write_session(node) as session:
        data = NotificationCreate.model_validate(event_body(**overrides))
        return service.create(session, actor=FP_KAZ, data=data).id


def replica_of(node: Sessions, origin_id: int) -> NotificationEvent:
    with read_session(node) as session:
        return session.execute(
            select(NotificationEvent).where(NotificationEvent.origin_id == origin_id)
        ).scalar_one()


def count(node: Sessions, model: type[Any]) -> int:
    with read_session(node) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_notification_and_its_versions_reach_the_other_node(
    nodes: tuple[Sessions, Sessions],
) -> None:
    kaz, chn = nodes
    event_id = create(kaz, affected_states=["CHN"])
    [notified] = outgoing(kaz, "notification.notified")
    # To every member state's node (not only the affected CHN's), as the event is shown.
    assert notified.states == [] and notified.body["event"] == {
        "node": KAZ_NODE,
        "id": event_id,
    }
    deliver(chn, envelope(notified, KAZ_NODE))

    replica = replica_of(chn, event_id)
    assert (replica.origin_node, replica.state, replica.version) == (KAZ_NODE, "KAZ", 1)
    with read_session(chn) as session:
        listed = service.list_events(session, actor=FP_CHN, limit=50)
        [summary] = [service.to_summary(e) for e in listed.items if e.origin_node == KAZ_NODE]
        assert summary.origin_id == event_id and summary.counts.confirmed_cases == 3
        shown = service.get(session, actor=FP_CHN, event_id=replica.id)
        assert shown.origin_node == KAZ_NODE and shown.title == event_body()["title"]
        replica_cap = service.export(session, actor=FP_CHN, event_id=replica.id)
    with read_session(kaz) as session:
        origin_cap = service.export(session, actor=FP_KAZ, event_id=event_id)
    assert replica_cap == origin_cap
    caplib.validate(replica_cap)

    # The same message again, and the local outbox message the replica published: no echo.
    deliver(chn, envelope(notified, KAZ_NODE))
    assert count(chn, NotificationEvent) == 1 and count(chn, NotificationVersion) == 1
    assert outgoing(chn, "notification.notified") == []

    with write_session(kaz) as session:
        service.update(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=NotificationUpdate(confirmed_cases=9, measures="Synthetic: boil water"),
        )
    [updated] = outgoing(kaz, "notification.updated")
    with write_session(kaz) as session:
        service.close(
            session, actor=FP_KAZ, event_id=event_id, data=NotificationClose(reason="over")
        )
    [closed] = outgoing(kaz, "notification.closed")
    deliver(chn, envelope(closed, KAZ_NODE))
    deliver(chn, envelope(updated, KAZ_NODE))  # late and older: ignored

    replica = replica_of(chn, event_id)
    assert (replica.status, replica.version, replica.confirmed_cases) == ("closed", 3, 9)
    assert replica.measures == "Synthetic: boil water" and replica.close_reason == "over"
    with read_session(chn) as session:
        xml = service.export(session, actor=FP_CHN, event_id=replica.id)
    alert = etree.fromstring(xml)
    cap = "{urn:oasis:names:tc:emergency:cap:1.2}"
    assert alert.findtext(f"{cap}identifier") == f"urn:epibridge:KAZ:notification:{event_id}:3"
    assert alert.findtext(f"{cap}references").count(":notification:") == 2


def test_a_replica_is_read_only_and_a_node_speaks_only_for_its_state(
    nodes: tuple[Sessions, Sessions],
) -> None:
    kaz, chn = nodes
    event_id = create(kaz)
    with write_session(kaz) as session:
        service.update(session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(deaths=1))
    [notified] = outgoing(kaz, "notification.notified")
    [updated] = outgoing(kaz, "notification.updated")

    # CHN's node cannot notify an event of KAZ (its principal is CHN's system role).
    with pytest.raises(Refused) as refused:
        deliver(chn, envelope(notified, KAZ_NODE, state="CHN"))
    assert refused.value.status == 422
    assert count(chn, NotificationEvent) == 0

    # Version 2 first (version 1 was lost or is late): the whole record is there.
    deliver(chn, envelope(updated, KAZ_NODE))
    deliver(chn, envelope(notified, KAZ_NODE))
    replica = replica_of(chn, event_id)
    assert (replica.version, replica.deaths, replica.status) == (2, 1, "updated")
    assert count(chn, NotificationVersion) == 1
    with write_session(chn) as session, pytest.raises(Conflict) as conflict:
        service.update(
            session,
            actor=SECRETARIAT,
            event_id=replica.id,
            data=NotificationUpdate(confirmed_cases=1),
        )
    assert KAZ_NODE in conflict.value.detail
    with read_session(chn) as session:
        shown = service.get(session, actor=SECRETARIAT, event_id=replica.id)
        assert not {"update", "close"} & service.actions(SECRETARIAT, shown)


def test_an_acknowledgement_of_a_replica_travels_back_to_the_original(
    nodes: tuple[Sessions, Sessions],
) -> None:
    kaz, chn = nodes
    event_id = create(kaz)
    [notified] = outgoing(kaz, "notification.notified")
    deliver(chn, envelope(notified, KAZ_NODE))
    replica = replica_of(chn, event_id)

    with write_session(chn) as session:
        service.acknowledge(session, actor=FP_CHN, event_id=replica.id, now=utcnow())
    [ack] = outgoing(chn, "notification.acknowledged")
    assert ack.body["event"] == {"node": KAZ_NODE, "id": event_id}
    assert ack.body["acknowledgement"]["node"] == CHN_NODE
    deliver(kaz, envelope(ack, CHN_NODE))
    deliver(kaz, envelope(ack, CHN_NODE))

    with read_session(kaz) as session:
        shown = service.get(session, actor=FP_KAZ, event_id=event_id)
        [row] = session.execute(select(Acknowledgement)).scalars()
    assert [a["state"] for a in shown.acknowledgements.acknowledged] == ["CHN"]
    assert "CHN" not in shown.acknowledgements.pending
    assert (row.origin_node, row.event_id) == (CHN_NODE, event_id)
    # KAZ's node does not send CHN's acknowledgement on: CHN's node did.
    assert outgoing(kaz, "notification.acknowledged") == []

    # A node of KAZ cannot acknowledge on CHN's behalf.
    with pytest.raises(Refused):
        deliver(kaz, envelope(ack, CHN_NODE, state="KAZ"))
    assert (utcnow() - row.at) < timedelta(minutes=5)


def test_verification_and_assessment_go_to_the_origin_and_the_answer_comes_back(
    nodes: tuple[Sessions, Sessions],
) -> None:
    kaz, chn = nodes
    event_id = create(kaz)
    [notified] = outgoing(kaz, "notification.notified")
    deliver(chn, envelope(notified, KAZ_NODE))
    replica = replica_of(chn, event_id)

    with write_session(chn) as session:
        asked = service.request_verification(
            session,
            actor=FP_CHN,
            event_id=replica.id,
            data=VerificationCreate(question="Synthetic: is it confirmed?"),
        ).id
        service.assess(
            session,
            actor=FP_CHN,
            event_id=replica.id,
            data=AssessmentCreate(
                likelihood="likely", consequence="major", rationale="Synthetic rationale"
            ),
        )
    for topic in ("notification.verification_requested", "notification.assessed"):
        [message] = outgoing(chn, topic)
        deliver(kaz, envelope(message, CHN_NODE))
        deliver(kaz, envelope(message, CHN_NODE))
    with read_session(kaz) as session:
        shown = service.get(session, actor=FP_KAZ, event_id=event_id)
    [request] = shown.verifications
    assert request.requester_state == "CHN" and request.answered_at is None
    assert [(a.assessor, a.level) for a in shown.risk.assessments] == [("CHN", "high")]
    assert shown.risk.consolidated == "high"

    # KAZ answers on its node; the answer reaches CHN's own request there.
    with write_session(kaz) as session:
        service.answer_verification(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            verification_id=request.id,
            data=VerificationAnswer(verified=True, answer="Synthetic: yes, 3 confirmed"),
        )
    [answer] = outgoing(kaz, "notification.verification_answered")
    assert answer.body["verification"] == {"node": CHN_NODE, "id": asked}
    assert outgoing(kaz, "notification.verification_requested") == []  # CHN's, not KAZ's
    deliver(chn, envelope(answer, KAZ_NODE))
    with read_session(chn) as session:
        [mine] = service.get(session, actor=FP_CHN, event_id=replica.id).verifications
    assert (mine.id, mine.verified, mine.answer) == (asked, True, "Synthetic: yes, 3 confirmed")

    # Only the event's node answers for it, and CHN cannot answer on its replica.
    with pytest.raises(Refused):
        deliver(kaz, envelope(answer, CHN_NODE, state="KAZ"))
    with write_session(chn) as session, pytest.raises(Conflict):
        service.answer_verification(
            session,
            actor=SECRETARIAT,
            event_id=replica.id,
            verification_id=asked,
            data=VerificationAnswer(verified=False, answer="x"),
        )


def test_a_shared_signal_is_a_read_only_replica_and_an_unshared_one_stays_home(
    nodes: tuple[Sessions, Sessions],
) -> None:
    kaz, chn = nodes
    submit_series(kaz, "KAZ", BASELINE + OUTBREAK)
    assert detect(kaz, states=["KAZ"]).opened >= 1
    # KAZ has not chosen to share its signals (the default): nothing is sent.
    assert outgoing(kaz, "detection.signal_opened") == []

    with read_session(kaz) as session:
        signal = detection.list_signals(session, principal=FP_KAZ, state="KAZ").items[0]
        body = signal_replicas.signal_body(session, signal_id=signal.id, here=KAZ_NODE)
    assert body is not None and body["signal"] == {"node": KAZ_NODE, "id": signal.id}
    shared = valid(Outgoing(topic="detection.signal_opened", body=body))
    deliver(chn, envelope(shared, KAZ_NODE))
    deliver(chn, envelope(shared, KAZ_NODE))
    with read_session(chn) as session:
        [replica] = detection.list_signals(session, principal=FP_CHN).items
        assert detection.to_read(replica).origin_node == KAZ_NODE
        assert signal_replicas.signal_body(session, signal_id=replica.id, here=CHN_NODE) is None
    assert (replica.observed, replica.status, replica.notification_id) == (
        signal.observed,
        "open",
        None,  # KAZ's draft never left KAZ
    )
    with write_session(chn) as session, pytest.raises(Conflict):
        detection.dismiss(
            session, actor=SECRETARIAT, signal_id=replica.id, data=SignalDismiss(reason="x")
        )
    with pytest.raises(Refused):
        deliver(chn, envelope(shared, KAZ_NODE, state="RUS"))

    # CHN's node running detection over the same KAZ series leaves KAZ's alarm to KAZ.
    submit_series(chn, "KAZ", [*BASELINE, 70, 85])
    detect(chn, states=["KAZ"])
    with read_session(chn) as session:
        again = session.get(type(replica), replica.id)
        assert again is not None and (again.observed, again.run_id) == (
            replica.observed,
            replica.run_id,
        )


def test_an_acknowledgement_before_its_notification_is_too_early_and_lands_after_it(
    nodes: tuple[Sessions, Sessions],
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RUS's node gets CHN's acknowledgement of KAZ's event before the event (push and pull
    racing): 425, nothing stored; once the event is there the same message lands, once."""
    kaz, chn = nodes
    event_id = create(kaz)
    [notified] = outgoing(kaz, "notification.notified")
    deliver(chn, envelope(notified, KAZ_NODE))
    with write_session(chn) as session:
        replica = replica_of(chn, event_id)
        service.acknowledge(session, actor=FP_CHN, event_id=replica.id, now=utcnow())
    [ack] = outgoing(chn, "notification.acknowledged")
    acknowledged = envelope(ack, CHN_NODE)
    with second_node(sqlite_template, tmp_path / "rus") as rus:
        known = node_identity.this_node_id
        rus_url = str(rus.kw["bind"].url)
        monkeypatch.setattr(
            node_identity,
            "this_node_id",
            lambda s: "rus-node" if str(s.get_bind().url) == rus_url else known(s),
        )
        with pytest.raises(TooEarly, match=f"notification {event_id} of node {KAZ_NODE}"):
            deliver(rus, acknowledged)
        assert count(rus, Acknowledgement) == 0
        deliver(rus, envelope(notified, KAZ_NODE))
        deliver(rus, acknowledged)
        deliver(rus, acknowledged)
        with read_session(rus) as session:
            [row] = session.execute(select(Acknowledgement)).scalars()
        assert row.origin_node == CHN_NODE
