"""One round with every peer: export, push what each may see, pull what it has for us.

Push sends each log entry a peer may see, in ``seq`` order, to its inbox. An answer of 2xx is
delivered; a content refusal (422 and other 4xx) is kept as a rejection with its reason and
the round goes on; a signature refusal (401), 408, 429 and 5xx are retried in the round, then
the peer is left for the next round, which starts again at the first entry not delivered (a
key the peer does not know yet must not lose messages). Pull asks the peer, with a signed
request, for its entries after our cursor and checks the signed answer; each message is then
accepted like one pushed to the inbox, the page in one transaction (``pages``). A replay is a
no-op on the receiver, so a message that arrives both ways, or twice after a crash, is stored
once; and each side skips what the other way already delivered (the pull answer starts after
what was pushed, the push after what the peer said it pulled).

A message answered 425 (it names a record the peer does not hold yet) is retried like 408 when
pushed; when pulled, it (or a 401: a key not known here yet) ends the page there without
moving the cursor, so the page is asked again next round (the messages before it are then
duplicates): a pull from a cursor tells the peer that everything before it was handled.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import FieldError, InvalidInput
from epibridge.federation.messages import Refused
from epibridge.federation.transport import core, pages, service
from epibridge.federation.transport.http import Answer, PeerClient, PeerUnreachable
from epibridge.federation.transport.models import LogEntry, Rejection
from epibridge.i18n import N_
from epibridge.notifications.outbox.addresses import parse_networks
from epibridge.notifications.outbox.deliveries import backoff
from epibridge.security import Action, Principal, authorize
from epibridge.settings import Settings

log = logging.getLogger("epibridge.federation")
INBOX = "/api/v1/federation/inbox"
MESSAGES = "/api/v1/federation/messages"
AUTH_SCHEME = "EpibridgeNode"
#: The push's header carrying the message's route, signed by its origin.
ROUTE_HEADER = "X-Epibridge-Route"
PAGE = 200
BATCH = 100
#: Pauses before the second and third try of one message in a round.
RETRY_PAUSES = (0.2, 0.5)
RETRYABLE = frozenset({401, 408, 425, 429})


@dataclass
class PeerRound:
    node_id: str
    ok: bool = True
    pushed: int = 0
    rejected: int = 0
    pulled: int = 0
    duplicates: int = 0
    refused: int = 0
    #: Pulled messages naming a record not held yet (425): the cursor waits before their page.
    early: int = 0
    error: str | None = None


class _PeerFailed(Exception):
    pass


def not_set_up() -> InvalidInput:
    return InvalidInput(
        N_("federation is not set up on this node: run 'epibridge federation init' first"),
        [FieldError("node", N_("no node identity"))],
    )


def export_all(sessions: sessionmaker[Session], *, actor: Principal, settings: Settings) -> int:
    """Export until the outbox has nothing new; return the log entries written."""
    total = 0
    while True:
        with write_session(sessions) as session:
            read, logged = service.export_pending(session, actor=actor, settings=settings)
        total += logged
        if read == 0:
            return total


def client_for(settings: Settings) -> PeerClient:
    return PeerClient(
        timeout=settings.federation_timeout_seconds,
        allow_networks=parse_networks(settings.federation_allowed_networks),
    )


def sync_once(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    settings: Settings,
    client: PeerClient | None = None,
    only_due: bool = False,
    pull: bool = True,
) -> list[PeerRound]:
    """Export, then push to and pull from every peer (``only_due``: those not backing off;
    ``pull`` False: push only, the round a fresh outbox message starts)."""
    authorize(actor, Action.ADMINISTER)
    with read_session(sessions) as session:
        me = core.me(session)
        if me is None:
            raise not_set_up()
        peers = core.peers(session, me)
        now = utcnow()
        waiting = {
            p.node_id
            for p in peers
            if only_due
            and (row := session.get(service.Peer, p.node_id)) is not None
            and row.next_attempt_at is not None
            and row.next_attempt_at > now
        }
    export_all(sessions, actor=actor, settings=settings)
    own = client is None
    client = client or client_for(settings)
    rounds: list[PeerRound] = []
    try:
        for peer in peers:
            if peer.node_id not in waiting:
                rounds.append(_round(sessions, settings, me, peer, client, actor, pull))
    finally:
        if own:
            client.close()
    return rounds


def _round(
    sessions: sessionmaker[Session],
    settings: Settings,
    me: core.Me,
    peer: core.PeerInfo,
    client: PeerClient,
    actor: Principal,
    pull: bool = True,
) -> PeerRound:
    done = PeerRound(peer.node_id)
    try:
        _push(sessions, peer, client, done)
        if pull:
            _pull(sessions, settings, me, peer, client, done)
    except (PeerUnreachable, _PeerFailed, Refused) as exc:
        done.ok = False
        done.error = str(exc)[:1000]
    with write_session(sessions) as session:
        row = service.peer_row(session, peer.node_id)
        now = utcnow()
        row.last_attempt = now
        if done.ok:
            row.failures, row.last_error, row.next_attempt_at = 0, None, None
            row.last_contact = now
        else:
            row.failures += 1
            row.last_error = done.error
            row.next_attempt_at = now + backoff(row.failures)
        if done.pushed or done.pulled or done.rejected or not done.ok:
            audit.record(
                session,
                actor=actor.actor,
                action="sync",
                entity="federation_peer",
                entity_id=peer.node_id,
                state={
                    "ok": done.ok,
                    "pushed": done.pushed,
                    "rejected": done.rejected,
                    "pulled": done.pulled,
                    "duplicates": done.duplicates,
                    "refused": done.refused,
                    "error": done.error,
                },
            )
    if not done.ok:
        log.warning("federation: %s did not answer: %s", peer.node_id, done.error)
    return done


def _post(client: PeerClient, peer: core.PeerInfo, entry: LogEntry) -> Answer:
    answer: Answer | None = None
    for pause in (0.0, *RETRY_PAUSES):
        time.sleep(pause)
        answer = client.request(
            "POST",
            peer.url.rstrip("/") + INBOX,
            body=entry.token.encode("ascii"),
            headers={
                "Content-Type": "application/jose",
                "Accept": "application/json",
                ROUTE_HEADER: entry.route,
            },
        )
        if answer.status < 500 and answer.status not in RETRYABLE:
            return answer
    assert answer is not None
    raise _PeerFailed(f"{peer.node_id} answered HTTP {answer.status}: {_reason(answer)}")


def _reason(answer: Answer) -> str:
    return answer.body[:300].decode("utf-8", errors="replace")


def _push(
    sessions: sessionmaker[Session], peer: core.PeerInfo, client: PeerClient, done: PeerRound
) -> None:
    while True:
        with read_session(sessions) as session:
            row = session.get(service.Peer, peer.node_id)
            after = row.pushed_seq if row else 0
            entries = service.entries_after(session, after=after, limit=BATCH)
        if not entries:
            return
        last, rejections = after, []
        try:
            for entry in entries:
                if service.visible_to(peer, entry):
                    answer = _post(client, peer, entry)
                    if answer.status >= 300:
                        rejections.append((entry, answer))
                    else:
                        done.pushed += 1
                last = entry.seq
        finally:
            _pushed_to(sessions, peer.node_id, last, rejections)
            done.rejected += len(rejections)


def _pushed_to(
    sessions: sessionmaker[Session], node_id: str, last: int, rejections: list[tuple]
) -> None:
    with write_session(sessions) as session:
        row = service.peer_row(session, node_id)
        row.pushed_seq = max(row.pushed_seq, last)
        for entry, answer in rejections:
            session.add(
                Rejection(
                    node_id=node_id,
                    seq=entry.seq,
                    message_id=entry.message_id,
                    status_code=answer.status,
                    reason=_reason(answer)[:1000],
                    at=utcnow(),
                )
            )


def _pull(
    sessions: sessionmaker[Session],
    settings: Settings,
    me: core.Me,
    peer: core.PeerInfo,
    client: PeerClient,
    done: PeerRound,
) -> None:
    while True:
        with read_session(sessions) as session:
            row = session.get(service.Peer, peer.node_id)
            after = row.pulled_seq if row else 0
        with read_session(sessions) as session:
            request = core.seal(
                session,
                settings,
                topic=service.PULL_REQUEST,
                body={"to": peer.node_id, "after": after, "limit": PAGE},
                now=utcnow(),
            )
        query = urlencode({"after": after, "limit": PAGE})
        answer = client.request(
            "GET",
            f"{peer.url.rstrip('/')}{MESSAGES}?{query}",
            headers={
                "Authorization": f"{AUTH_SCHEME} {request.token}",
                "Accept": "application/jose",
            },
        )
        if answer.status != 200:
            raise _PeerFailed(f"{peer.node_id} answered HTTP {answer.status}: {_reason(answer)}")
        page = _checked_page(sessions, me, peer, answer, after)
        early = not _accept_page(sessions, settings, page["messages"], done)
        with write_session(sessions) as session:
            row = service.peer_row(session, peer.node_id)
            if not early:  # a message too early keeps the cursor: the page comes again
                row.pulled_seq = max(row.pulled_seq, int(page["next"]))
            row.peer_head = int(page["head"])
        if early or int(page["next"]) <= after or int(page["next"]) >= int(page["head"]):
            return


def _checked_page(
    sessions: sessionmaker[Session],
    me: core.Me,
    peer: core.PeerInfo,
    answer: Answer,
    after: int,
) -> dict:
    with read_session(sessions) as session:
        envelope = core.verify(session, token=answer.body.decode("ascii", "replace"), now=utcnow())
    body = envelope.body
    if (
        envelope.origin_node != peer.node_id
        or envelope.topic != service.PULL_ANSWER
        or body.get("to") != me.node_id
        or body.get("after") != after
        or not isinstance(body.get("messages"), list)
    ):
        raise _PeerFailed(f"{peer.node_id} sent an answer that does not match the request")
    return body


def _page_item(item: object) -> pages.PageItem | None:
    token = item.get("token") if isinstance(item, dict) else None
    route = item.get("route") if isinstance(item, dict) else None
    if not isinstance(token, str) or not isinstance(route, str):
        return None
    return pages.PageItem(token, route)


def _accept_page(
    sessions: sessionmaker[Session], settings: Settings, messages: list, done: PeerRound
) -> bool:
    """Accept a pulled page in one transaction (``pages``); False when a message of it must
    come again (425 too early, or 401: the page is then pulled again from the same cursor)."""
    items = [_page_item(item) for item in messages]
    malformed = sum(item is None for item in items)
    if malformed:
        log.warning("federation: %d pulled messages had no token and route", malformed)
    result = pages.accept_page(
        sessions, items=[item for item in items if item is not None], settings=settings
    )
    for refused in result.refused:
        log.warning("federation: a pulled message was refused: %s", refused)
    if result.held is not None:
        done.early += 1
        log.info("federation: a pulled message must come again: %s", result.held)
    done.refused += malformed + len(result.refused)
    done.duplicates += result.duplicates
    done.pulled += result.accepted
    return result.held is None
