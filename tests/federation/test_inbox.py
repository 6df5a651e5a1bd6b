"""receive: one transaction (verify, replay, apply, remember); each refusal stores nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session, utcnow, write_session
from epibridge.federation import envelope, handlers, inbox, keys, refs
from epibridge.federation.messages import Envelope, Refused, TooEarly
from epibridge.federation.models import RefusedMessage, SeenMessage
from tests.federation.conftest import NOW, PING, Hub, apply_ping

TOPIC = PING
pytestmark = pytest.mark.usefixtures("ping_topic")


def _ping(key: keys.NodeKey, **changes: Any) -> str:
    fields: dict[str, Any] = {
        "origin_node": "kaz-node",
        "origin_state": "KAZ",
        "topic": TOPIC,
        "body": {"n": 1, "note": "payload-marker"},
        "created": NOW,
    }
    fields.update(changes)
    return envelope.seal(key=key, **fields)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with read_session(sessions) as session:
        applied = session.execute(
            select(func.count())
            .select_from(audit.AuditEntry)
            .where(audit.AuditEntry.action == TOPIC)
        ).scalar_one()
        seen = session.execute(select(func.count()).select_from(SeenMessage)).scalar_one()
        refused = session.execute(select(func.count()).select_from(RefusedMessage)).scalar_one()
    return applied, seen, refused


def test_accepted_messages_are_applied_once(the_hub: Hub, kaz: keys.NodeKey) -> None:
    token = _ping(kaz)
    first = inbox.receive_in(the_hub.sessions, token=token, now=NOW)
    assert not first.duplicate and first.envelope.origin_state == "KAZ"
    again = inbox.receive_in(the_hub.sessions, token=token, now=NOW + timedelta(hours=1))
    assert again.duplicate and again.envelope.id == first.envelope.id
    assert _counts(the_hub.sessions) == (1, 1, 0)
    # The JSON serialization is received too.
    protected, payload, signature = _ping(kaz).split(".")
    flat = f'{{"payload":"{payload}","protected":"{protected}","signature":"{signature}"}}'
    assert not inbox.receive_in(the_hub.sessions, token=flat, now=NOW).duplicate
    # Within the clock skew and the maximum age.
    ahead = _ping(kaz, created=NOW + timedelta(minutes=4))
    inbox.receive_in(the_hub.sessions, token=ahead, now=NOW)
    inbox.receive_in(the_hub.sessions, token=_ping(kaz), now=NOW + timedelta(days=29))
    assert _counts(the_hub.sessions) == (4, 4, 0)


def _refused(the_hub: Hub, token: str, *, now: datetime = NOW) -> Refused:
    """Receive ``token``; it must be refused, logged once, and store nothing else."""
    applied, seen, refused = _counts(the_hub.sessions)
    with pytest.raises(Refused) as caught:
        inbox.receive_in(the_hub.sessions, token=token, now=now)
    assert _counts(the_hub.sessions) == (applied, seen, refused + 1), "stored something"
    with read_session(the_hub.sessions) as session:
        logged = session.execute(
            select(RefusedMessage).order_by(RefusedMessage.id.desc()).limit(1)
        ).scalar_one()
    assert logged.digest == inbox.digest(token) and logged.status == caught.value.status
    stored = [logged.reason, logged.claimed_origin, logged.kid, logged.digest]
    assert not any("payload-marker" in (value or "") for value in stored)
    return caught.value


def test_each_bad_message_is_refused_with_nothing_stored(
    the_hub: Hub, kaz: keys.NodeKey, tmp_path: Path
) -> None:
    protected, _, signature = _ping(kaz).split(".")
    other_payload = _ping(kaz, body={"n": 2}).split(".")[1]
    stranger = keys.generate(tmp_path / "stranger")
    early = NOW - timedelta(days=1)
    cases: list[tuple[str, str, datetime, int, str]] = [
        ("tampered", f"{protected}.{other_payload}.{signature}", NOW, 401, "message"),
        ("unknown key", _ping(stranger), NOW, 401, "kid"),
        ("KAZ claiming CHN", _ping(kaz, origin_state="CHN"), NOW, 422, "origin_state"),
        ("KAZ as the hub", _ping(kaz, origin_state=None), NOW, 422, "origin_state"),
        (
            "KAZ as another node",
            _ping(kaz, origin_node="chn-node", origin_state="CHN"),
            NOW,
            422,
            "origin_node",
        ),
        ("before the key", _ping(kaz, created=early), early, 422, "kid"),
        ("future", _ping(kaz, created=NOW + timedelta(minutes=6)), NOW, 422, "created"),
        ("too old", _ping(kaz), NOW + timedelta(days=31), 422, "created"),
        ("unknown topic", _ping(kaz, topic="no.such.topic"), NOW, 422, "topic"),
        ("garbage", "not a token", NOW, 422, "message"),
        ("body unfit", _ping(kaz, body={"m": 1}), NOW, 422, "body"),
    ]
    for name, token, now, status, field in cases:
        refused = _refused(the_hub, token, now=now)
        assert (refused.status, refused.field_name) == (status, field), name
    assert _counts(the_hub.sessions) == (0, 0, len(cases))


def test_revoked_and_expired_keys_are_refused(the_hub: Hub, kaz: keys.NodeKey) -> None:
    from epibridge.federation.models import FederationKey

    with write_session(the_hub.sessions) as session:
        row = session.execute(
            select(FederationKey).where(FederationKey.kid == kaz.kid)
        ).scalar_one()
        row.not_after = NOW - timedelta(days=1)
    assert _refused(the_hub, _ping(kaz)).field_name == "kid"
    with write_session(the_hub.sessions) as session:
        row = session.execute(
            select(FederationKey).where(FederationKey.kid == kaz.kid)
        ).scalar_one()
        row.not_after = None
    with write_session(the_hub.sessions) as session:
        the_hub.revoke(session, "kaz-node", kaz.kid)
    assert _refused(the_hub, _ping(kaz)).status == 422
    assert _counts(the_hub.sessions) == (0, 0, 2)


def test_an_id_reused_by_another_node_is_refused(
    the_hub: Hub, kaz: keys.NodeKey, tmp_path: Path
) -> None:
    chn = keys.generate(tmp_path / "chn")
    the_hub.trust("chn-node", "CHN", chn)
    message_id = str(uuid.uuid4())
    inbox.receive_in(the_hub.sessions, token=_ping(kaz, message_id=message_id), now=NOW)
    copy = _ping(chn, origin_node="chn-node", origin_state="CHN", message_id=message_id)
    assert _refused(the_hub, copy).field_name == "id"
    assert _counts(the_hub.sessions) == (1, 1, 1)


NEEDS = "test.needs"


def _apply_needs(session: Session, message: Envelope) -> None:
    """A topic naming a ping (by its ``n``) that must be here first, as a reply its record."""
    wanted = message.body["ping"]
    pings = session.execute(
        select(audit.AuditEntry.detail).where(audit.AuditEntry.action == TOPIC)
    ).scalars()
    if not any(detail.get("n") == wanted for detail in pings):
        raise refs.not_held(message, f"ping {wanted} is unknown here", "body.ping")
    apply_ping(session, message)


def test_a_message_before_its_referent_is_too_early_and_lands_once_it_is_here(
    the_hub: Hub, kaz: keys.NodeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders, appliers = handlers._tables()
    monkeypatch.setattr(handlers, "_tables", lambda: (builders, {**appliers, NEEDS: _apply_needs}))
    now = utcnow()
    reply = _ping(kaz, topic=NEEDS, body={"n": 2, "ping": 7}, created=now)
    with pytest.raises(TooEarly) as caught:
        inbox.receive_in(the_hub.sessions, token=reply, now=now)
    assert (caught.value.status, caught.value.field_name) == (425, "body.ping")
    assert "ping 7" in str(caught.value.reason)
    # Nothing applied, the id not remembered (so it can come again), no refusal logged.
    assert _counts(the_hub.sessions) == (0, 0, 0)
    inbox.receive_in(the_hub.sessions, token=_ping(kaz, body={"n": 7}, created=now), now=now)
    assert not inbox.receive_in(the_hub.sessions, token=reply, now=now).duplicate
    assert inbox.receive_in(the_hub.sessions, token=reply, now=now).duplicate
    assert _counts(the_hub.sessions) == (2, 2, 0)
    # A referent still missing long after the message was made is not on its way: refused.
    late = now - refs.WAIT_FOR_REFERENT - timedelta(minutes=1)
    stale = _ping(kaz, topic=NEEDS, body={"n": 3, "ping": 8}, created=late)
    assert _refused(the_hub, stale, now=now).status == 422
