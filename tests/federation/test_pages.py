"""A pulled page in one transaction: each message stands alone (savepoint), nothing doubled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from epibridge import audit
from epibridge.db import read_session, write_session
from epibridge.federation import envelope, keys, trust
from epibridge.federation.messages import Refused
from epibridge.federation.models import RefusedMessage, SeenMessage
from epibridge.federation.transport import pages, service
from epibridge.federation.transport.models import LogEntry
from epibridge.settings import Settings
from tests.federation.conftest import NOW, PING, Hub

TOPIC = PING
pytestmark = pytest.mark.usefixtures("ping_topic")


def _item(
    key: keys.NodeKey, body: dict[str, Any], *, created: Any = None, state: str = "KAZ"
) -> pages.PageItem:
    """A message of KAZ with its signed route, as a pull answer carries it."""
    moment = created or NOW
    token = envelope.seal(
        key=key,
        origin_node="kaz-node",
        origin_state=state,
        topic=TOPIC,
        body=body,
        created=moment,
    )
    message_id = envelope.claims(envelope.read(token)).id
    route = envelope.seal(
        key=key,
        origin_node="kaz-node",
        origin_state=state,
        topic=service.ROUTE,
        body={"message": message_id, "visibility": "members", "states": []},
        created=moment,
    )
    return pages.PageItem(token, route)


def _counts(the_hub: Hub) -> tuple[int, int, int, int]:
    with read_session(the_hub.sessions) as session:

        def count(model: Any, *where: Any) -> int:
            query = select(func.count()).select_from(model).where(*where)
            return int(session.execute(query).scalar_one())

        return (
            count(audit.AuditEntry, audit.AuditEntry.action == TOPIC),
            count(SeenMessage),
            count(RefusedMessage),
            count(LogEntry, LogEntry.topic == TOPIC),
        )


def test_a_page_applies_each_good_message_once_and_refuses_only_the_bad_ones(
    the_hub: Hub, kaz: keys.NodeKey, settings: Settings
) -> None:
    first, third = _item(kaz, {"n": 1}), _item(kaz, {"n": 3})
    tampered_head, _, signature = _item(kaz, {"n": 2}).token.rpartition(".")
    other = _item(kaz, {"n": 9}).token.split(".")[1]
    tampered = pages.PageItem(f"{tampered_head.split('.')[0]}.{other}.{signature}", first.route)
    unfit = _item(kaz, {"text": "no number"})
    claims_chn = _item(kaz, {"n": 4}, state="CHN")
    page = [first, claims_chn, first, unfit, third, tampered]
    result = pages.accept_page(the_hub.sessions, items=page, settings=settings)
    assert (result.accepted, result.duplicates) == (2, 1)
    assert [r.status for r in result.refused] == [422, 422]
    assert result.held is not None and result.held.status == 401  # the tampered one, last
    # applied twice, remembered twice, three refusals logged, two relayed by the hub
    assert _counts(the_hub) == (2, 2, 3, 2)
    again = pages.accept_page(the_hub.sessions, items=page, settings=settings)
    assert (again.accepted, again.duplicates, len(again.refused)) == (0, 3, 2)
    assert _counts(the_hub) == (2, 2, 6, 2)


def test_a_message_that_may_come_later_ends_the_page_there(
    the_hub: Hub, kaz: keys.NodeKey, settings: Settings, tmp_path: Any
) -> None:
    """An unknown key (401) may be known after the next trust list: the rest waits for it."""
    stranger = keys.generate(tmp_path / "stranger")
    unknown = _item(stranger, {"n": 2})
    page = [_item(kaz, {"n": 1}), unknown, _item(kaz, {"n": 3})]
    result = pages.accept_page(the_hub.sessions, items=page, settings=settings)
    assert (result.accepted, result.duplicates, result.refused) == (1, 0, [])
    assert result.held is not None and result.held.status == 401
    assert _counts(the_hub) == (1, 1, 1, 1)  # the third was not read; the 401 is logged
    the_hub.trust("stranger-node", "CHN", stranger)
    # Now the key is known, as another node's: it can never sign KAZ's message (422), and
    # the page goes on past it.
    later = pages.accept_page(the_hub.sessions, items=page, settings=settings)
    assert later.held is None and [r.field_name for r in later.refused] == ["origin_node"]
    assert (later.accepted, later.duplicates) == (1, 1)


def test_a_key_revoked_in_a_transaction_is_refused_in_it(
    the_hub: Hub, kaz: keys.NodeKey, settings: Settings
) -> None:
    """The key rows a session remembers are forgotten when a key changes in it."""
    item = _item(kaz, {"n": 1})
    with write_session(the_hub.sessions) as session:
        service.accept(session, token=item.token, settings=settings, route=item.route, now=NOW)
        the_hub.revoke(session, "kaz-node", kaz.kid)
        with pytest.raises(Refused) as refused:
            trust.key_for(
                session,
                kid=kaz.kid,
                origin_node="kaz-node",
                origin_state="KAZ",
                created=NOW + timedelta(seconds=1),
            )
    assert refused.value.field_name == "kid"


def _pull_answer(the_hub: Hub, chn: keys.NodeKey, settings: Settings, after: int) -> list[str]:
    """The message ids the hub answers CHN's signed pull request with."""
    request = envelope.seal(
        key=chn,
        origin_node="chn-node",
        origin_state="CHN",
        topic=service.PULL_REQUEST,
        body={"to": "hub", "after": after, "limit": 200},
        created=NOW,
    )
    with read_session(the_hub.sessions) as session:
        _, answer, _ = service.answer_pull(
            session, settings=settings, request_token=request, after=after, limit=200, now=NOW
        )
    messages = envelope.claims(envelope.read(answer)).body["messages"]
    return [envelope.claims(envelope.read(m["token"])).id for m in messages]


def test_a_pull_skips_what_was_pushed_and_a_push_what_was_pulled(
    the_hub: Hub, kaz: keys.NodeKey, settings: Settings, tmp_path: Any
) -> None:
    chn = keys.generate(tmp_path / "chn-keys")
    the_hub.trust("chn-node", "CHN", chn)
    items = [_item(kaz, {"n": n}) for n in range(3)]
    assert pages.accept_page(the_hub.sessions, items=items, settings=settings).accepted == 3
    ids = [envelope.claims(envelope.read(i.token)).id for i in items]
    assert _pull_answer(the_hub, chn, settings, after=0) == ids
    with read_session(the_hub.sessions) as session:
        entries = service.entries_after(session, after=0, limit=10)
        seqs = [e.seq for e in entries if e.topic == TOPIC]
    with write_session(the_hub.sessions) as session:  # the first one was pushed to CHN
        service.peer_row(session, "chn-node").pushed_seq = seqs[0]
    assert _pull_answer(the_hub, chn, settings, after=0) == ids[1:]
    with write_session(the_hub.sessions) as session:  # CHN asks after the second: it has it
        service.acknowledge_pull(session, node_id="chn-node", after=seqs[1], now=NOW)
    with read_session(the_hub.sessions) as session:
        assert service.peer_row(session, "chn-node").pushed_seq == seqs[1]
