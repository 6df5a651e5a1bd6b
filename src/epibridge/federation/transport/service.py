"""The rules of store and forward: export to the log, accept, answer a pull, report status.

Export: the exporter reads committed outbox messages in order, asks the topic handlers what
travels, signs each message with the node key and appends it to the log, with its position
and the ids it handled, in one transaction; a crash loses nothing and repeats nothing.
Accept: a received message is verified and applied (``core.receive``); on the hub it is also
appended, exactly as signed by its origin, to the hub's log, for the other nodes allowed to
see it. Who may see an entry follows the webhook rule for an account of the peer's state
(``outbox.deliveries.entitled``); a message never goes back to its origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import utcnow, write_session
from epibridge.federation import handlers
from epibridge.federation.messages import Envelope, Outgoing, Refused, node_principal
from epibridge.federation.transport import core
from epibridge.federation.transport.models import (
    ExportCursor,
    Exported,
    LogEntry,
    Peer,
    Rejection,
)
from epibridge.i18n import N_, Text
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox import service as outbox
from epibridge.security import Action, Principal, Visibility, authorize
from epibridge.settings import Settings

#: How far before its position the exporter reads the outbox again (transactions that
#: published earlier but committed later than the last read).
EXPORT_WINDOW = timedelta(minutes=5)
CURSOR = "outbox"
#: Topics of the transport's own signed requests and answers (never stored, never applied).
PULL_REQUEST = "federation.pull"
PULL_ANSWER = "federation.messages"
ROUTE = "federation.route"
#: A signed pull request is valid this long around its ``created`` time.
REQUEST_FRESHNESS = timedelta(minutes=5)


@dataclass(frozen=True)
class Route:
    token: str
    visibility: str
    states: list[str]


@dataclass(frozen=True)
class PeerStatus:
    node_id: str
    state: str | None
    url: str
    queued: int
    failed: int
    last_contact: datetime | None
    lag_seconds: float
    behind: int
    failures: int
    last_error: str | None


def visible_to(peer: core.PeerInfo, entry: Any) -> bool:
    """Whether ``peer`` may receive ``entry``: never its own message, and today's rule."""
    if entry.origin_node == peer.node_id:
        return False
    if peer.state is None:
        return True  # the hub: it holds what every node sends, and relays by the route
    principal = node_principal(peer.node_id, peer.state)
    return deliveries.entitled(
        principal, visibility=entry.visibility, addressed_to=list(entry.states) or None
    )


def export_pending(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    now: datetime | None = None,
    limit: int = 500,
) -> tuple[int, int]:
    """Sign and log what the next committed outbox messages send.

    Returns (outbox messages read, log entries written): call again while the first is not 0.
    """
    authorize(actor, Action.ADMINISTER)
    me = core.me(session)
    if me is None:
        return 0, 0
    now = now or utcnow()
    cursor = session.get(ExportCursor, CURSOR)
    if cursor is None:
        cursor = ExportCursor(name=CURSOR, position=me.since or now)
        session.add(cursor)
    since = cursor.position - EXPORT_WINDOW
    handled = select(Exported.outbox_id).where(Exported.created_at >= since)
    messages = outbox.read_window(session, since=since, handled=handled, limit=limit)
    logged: list[str] = []
    sign: core.Signer | None = None
    for message in messages:
        for out in handlers.build(session, message):
            sign = sign or core.signer(session, settings, now=now)
            logged.append(_log_own(session, sign, me, out, now).message_id)
        session.add(Exported(outbox_id=message.id, created_at=message.created_at))
        cursor.position = max(cursor.position, message.created_at)
    session.flush()
    session.execute(delete(Exported).where(Exported.created_at < cursor.position - EXPORT_WINDOW))
    if logged:
        audit.record(
            session,
            actor=actor.actor,
            action="export",
            entity="federation_log",
            entity_id=logged[0],
            state={"messages": logged},
        )
    return len(messages), len(logged)


def _log_own(
    session: Session, sign: core.Signer, me: core.Me, out: Outgoing, now: datetime
) -> LogEntry:
    envelope = sign.seal(topic=out.topic, body=out.body, now=now)
    states = sorted(set(out.states))
    visibility = Visibility(out.visibility).value
    route = sign.seal(
        topic=ROUTE,
        body={"message": envelope.id, "visibility": visibility, "states": states},
        now=now,
    )
    entry = LogEntry(
        message_id=envelope.id,
        origin_node=me.node_id,
        topic=out.topic,
        visibility=visibility,
        states=states,
        token=envelope.token,
        route=route.token,
        created_at=envelope.created,
        logged_at=now,
        relayed=False,
    )
    session.add(entry)
    return entry


def _route_of(session: Session, *, claimed: Envelope, route: str | None, now: datetime) -> Route:
    """Who may see a message, as its origin signed it beside the message (hub: required)."""
    if route is None:
        raise Refused(
            401, N_("a message to the hub must carry its signed route"), field_name="route"
        )
    signed = core.verify(session, token=route, now=now)
    body = signed.body
    visibility, states = body.get("visibility"), body.get("states")
    if (
        signed.topic != ROUTE
        or signed.origin_node != claimed.origin_node
        or body.get("message") != claimed.id
        or visibility not in {v.value for v in Visibility}
        or not isinstance(states, list)
        or not all(isinstance(s, str) for s in states)
    ):
        raise Refused(401, N_("the route does not belong to this message"), field_name="route")
    return Route(route, visibility, sorted(set(states)))


def accept(
    session: Session,
    *,
    token: str,
    settings: Settings,
    route: str | None = None,
    now: datetime | None = None,
) -> core.Received:
    """Verify and apply one message; the hub logs it untouched for the other nodes.

    On the hub the route (signed by the origin) is checked first, so a message whose route
    does not verify is refused before anything is applied.
    """
    now = now or utcnow()
    audit.lock_chain(session)  # before the message's id is inserted: see ``lock_chain``
    me = core.me(session)
    relay = me is not None and me.hub
    read = core.read(token)
    checked = _route_of(session, claimed=read.claims, route=route, now=now) if relay else None
    received = core.receive(session, token=token, now=now, settings=settings, read=read.token)
    if received.duplicate or checked is None:
        return received
    envelope = received.envelope
    if session.execute(select(LogEntry.seq).where(LogEntry.message_id == envelope.id)).first():
        return received
    session.add(
        LogEntry(
            message_id=envelope.id,
            origin_node=envelope.origin_node,
            topic=envelope.topic,
            visibility=checked.visibility,
            states=checked.states,
            token=envelope.token,
            route=checked.token,
            created_at=envelope.created,
            logged_at=now,
            relayed=True,
        )
    )
    session.flush()
    return received


def accept_in(
    sessions: sessionmaker[Session],
    *,
    token: str,
    settings: Settings,
    route: str | None = None,
) -> core.Received:
    """``accept`` in a transaction of its own; a refusal is logged in another one.

    Two deliveries of one message at once (a push and a pull) store it once: the second
    insert of its id fails, and the retry finds it a duplicate.
    """
    now = utcnow()
    for attempt in (1, 2):
        try:
            with write_session(sessions) as session:
                return accept(session, token=token, settings=settings, route=route, now=now)
        except Refused as refused:
            core.log_refusal(sessions, token=token, refused=refused, now=now)
            raise
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def peer_row(session: Session, node_id: str) -> Peer:
    row = session.get(Peer, node_id)
    if row is None:
        row = Peer(node_id=node_id, pushed_seq=0, pulled_seq=0, peer_head=0, failures=0)
        session.add(row)
        session.flush()
    return row


def entries_after(session: Session, *, after: int, limit: int) -> list[LogEntry]:
    query = select(LogEntry).where(LogEntry.seq > after).order_by(LogEntry.seq).limit(limit)
    return list(session.execute(query).scalars())


def head(session: Session) -> int:
    return int(session.execute(select(func.max(LogEntry.seq))).scalar() or 0)


def page_for(
    session: Session, peer: core.PeerInfo, *, after: int, limit: int
) -> tuple[list[LogEntry], int]:
    """The next entries ``peer`` may see after ``after`` and the last seq looked at."""
    found: list[LogEntry] = []
    last = after
    while len(found) < limit:
        batch = entries_after(session, after=last, limit=max(limit, 100))
        if not batch:
            break
        for entry in batch:
            if len(found) >= limit:
                return found, last
            last = entry.seq
            if visible_to(peer, entry):
                found.append(entry)
    return found, last


def find_peer(session: Session, me: core.Me, node_id: str) -> core.PeerInfo:
    for peer in core.peers(session, me):
        if peer.node_id == node_id:
            return peer
    raise Refused(
        401,
        Text(N_("node {node} is not a peer of this node"), {"node": node_id}),
        field_name="origin_node",
    )


def answer_pull(
    session: Session,
    *,
    settings: Settings,
    request_token: str,
    after: int,
    limit: int,
    now: datetime | None = None,
) -> tuple[str, str, int]:
    """Check a peer's signed pull request; return (its node id, the signed answer, next seq)."""
    now = now or utcnow()
    me = core.me(session)
    if me is None:
        raise Refused(401, N_("federation is not set up on this node"), field_name="node")
    request = core.verify(session, token=request_token, now=now)
    body = request.body
    if (
        request.topic != PULL_REQUEST
        or body.get("to") != me.node_id
        or body.get("after") != after
        or body.get("limit") != limit
    ):
        raise Refused(
            401, N_("the signed request does not match this request"), field_name="Authorization"
        )
    if abs(now - request.created) > REQUEST_FRESHNESS:
        raise Refused(401, N_("the signed request is not fresh"), field_name="Authorization")
    peer = find_peer(session, me, request.origin_node)
    # What was pushed to the peer already (2xx, or refused by its content) is not sent again.
    pushed = session.execute(select(Peer.pushed_seq).where(Peer.node_id == peer.node_id))
    start = max(after, pushed.scalar_one_or_none() or 0)
    entries, last = page_for(session, peer, after=start, limit=limit)
    top = head(session)
    answer = core.seal(
        session,
        settings,
        topic=PULL_ANSWER,
        body={
            "to": peer.node_id,
            "after": after,
            "next": last,
            "head": top,
            "messages": [{"token": e.token, "route": e.route} for e in entries],
        },
        now=now,
    )
    return peer.node_id, answer.token, last


def acknowledge_pull(
    session: Session, *, node_id: str, after: int, now: datetime | None = None
) -> None:
    """A peer asking for entries after ``after`` has handled every entry up to it."""
    row = peer_row(session, node_id)
    row.pushed_seq = max(row.pushed_seq, after)
    row.last_contact = now or utcnow()


def status(session: Session, *, actor: Principal, now: datetime | None = None) -> list[PeerStatus]:
    """Per peer: queued (entries it may see not yet delivered), refused, last contact, lag."""
    authorize(actor, Action.READ_MEMBERS)
    me = core.me(session)
    if me is None:
        return []
    now = now or utcnow()
    out: list[PeerStatus] = []
    for peer in core.peers(session, me):
        row = session.get(Peer, peer.node_id)
        pushed = row.pushed_seq if row else 0
        queued = [e for e in _routes_after(session, pushed) if visible_to(peer, e)]
        failed = session.execute(
            select(func.count()).select_from(Rejection).where(Rejection.node_id == peer.node_id)
        ).scalar_one()
        lag = (now - queued[0].logged_at).total_seconds() if queued else 0.0
        out.append(
            PeerStatus(
                node_id=peer.node_id,
                state=peer.state,
                url=peer.url,
                queued=len(queued),
                failed=int(failed),
                last_contact=row.last_contact if row else None,
                lag_seconds=round(max(lag, 0.0), 3),
                behind=max((row.peer_head - row.pulled_seq) if row else 0, 0),
                failures=row.failures if row else 0,
                last_error=row.last_error if row else None,
            )
        )
    return out


def _routes_after(session: Session, after: int) -> list[Any]:
    """Entries after ``after`` without their tokens (status counts, it does not send)."""
    query = (
        select(
            LogEntry.seq,
            LogEntry.origin_node,
            LogEntry.visibility,
            LogEntry.states,
            LogEntry.logged_at,
        )
        .where(LogEntry.seq > after)
        .order_by(LogEntry.seq)
    )
    return list(session.execute(query).all())
