"""Receiving one message from a peer: verify, check freshness and replay, apply, remember.

``receive`` works inside the caller's transaction, so applying the message, remembering its id
(and, on the hub, appending it to the relay log) commit together or not at all: a message is
applied exactly once. A refusal raises ``Refused``; the caller's transaction is rolled back,
so nothing of the message is stored, and ``log_refusal`` writes a line (reason, claimed origin,
key id, digest: never the payload) in a short transaction of its own. ``receive_in`` does both
for callers that hold a sessionmaker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.errors import DomainError
from epibridge.federation import envelope, handlers, trust
from epibridge.federation.messages import TOO_EARLY, Envelope, Refused
from epibridge.federation.models import RefusedMessage, SeenMessage
from epibridge.i18n import N_, Text
from epibridge.security import PermissionDenied

#: How far in the future ``created`` may be (two servers' clocks disagree a little).
FUTURE_SKEW = timedelta(minutes=5)
#: The default oldest message accepted (``EPIBRIDGE_FEDERATION_MAX_AGE_DAYS``).
DEFAULT_MAX_AGE = timedelta(days=30)


@dataclass(frozen=True)
class Receipt:
    """A verified message, and whether it had already been applied (then nothing was done)."""

    envelope: Envelope
    duplicate: bool


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _fresh(message: Envelope, now: datetime, max_age: timedelta) -> None:
    if message.created > now + FUTURE_SKEW:
        raise Refused(422, N_("the message is dated in the future"), field_name="created")
    if message.created < now - max_age:
        raise Refused(
            422,
            Text(N_("the message is older than {days} days"), {"days": max_age.days}),
            field_name="created",
        )


def receive(
    session: Session,
    *,
    token: str,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
    read: envelope.Unverified | None = None,
) -> Receipt:
    """Verify and apply one message in ``session``'s transaction; raise ``Refused``.

    ``read`` is ``token`` already parsed by the caller (the hub reads it to check its route).
    """
    me = trust.self_node_id(session)
    if me is None:
        raise Refused(422, N_("federation is not set up on this node"))
    unverified = read if read is not None else envelope.read(token)
    claims = envelope.claims(unverified)
    public = trust.key_for(
        session,
        kid=unverified.kid,
        origin_node=claims.origin_node,
        origin_state=claims.origin_state,
        created=claims.created,
    )
    envelope.check_signature(unverified, public)
    _fresh(claims, now, max_age)
    seen = session.get(SeenMessage, claims.id)
    if seen is not None:
        if seen.origin_node != claims.origin_node:
            raise Refused(
                422, N_("this message id is already used by another node"), field_name="id"
            )
        return Receipt(claims, duplicate=True)
    if claims.origin_node == me:  # our own message coming back through a relay
        return Receipt(claims, duplicate=True)
    session.add(
        SeenMessage(
            message_id=claims.id,
            origin_node=claims.origin_node,
            topic=claims.topic,
            created=claims.created,
            received_at=now,
            digest=digest(claims.token),
        )
    )
    session.flush()
    try:
        handlers.apply(session, claims)
    except PermissionDenied as exc:
        raise Refused(401, str(exc) or N_("the origin may not make this change")) from exc
    except DomainError as exc:
        reason = Text(exc.detail_id, dict(exc.params or {})) if exc.params else exc.detail_id
        raise Refused(422, reason, field_name="body") from exc
    except (KeyError, TypeError, ValueError) as exc:  # a body its topic's handler cannot read
        raise Refused(
            422, N_("the message body does not fit its topic"), field_name="body"
        ) from exc
    session.flush()
    return Receipt(claims, duplicate=False)


def _claimed(token: str) -> tuple[str | None, str | None]:
    """Who the message says it is from (for the refusal log), if it can be read at all."""
    try:
        unverified = envelope.read(token)
    except Refused:
        return None, None
    origin = unverified.payload.get("origin_node")
    return (origin[:100] if isinstance(origin, str) else None), unverified.kid[:100]


def log_refusal(
    factory: sessionmaker[Session], *, token: str, refused: Refused, now: datetime
) -> None:
    """Record a refused message in its own short transaction (no payload, only its digest)."""
    if refused.status == TOO_EARLY:  # not a refusal: it comes again once its referent is here
        return
    text = str(refused.reason)  # a Text is its English sentence; a plain msgid is English
    origin, kid = _claimed(token)
    with write_session(factory) as session:
        session.add(
            RefusedMessage(
                at=now,
                status=refused.status,
                reason=text[:500],
                claimed_origin=origin,
                kid=kid,
                digest=digest(token),
            )
        )


def receive_in(
    factory: sessionmaker[Session],
    *,
    token: str,
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
    then: Callable[[Session, Receipt], None] | None = None,
) -> Receipt:
    """``receive`` in a transaction of its own (``then`` runs in it too: the hub's relay),
    logging a refusal; two deliveries of one message at once apply it once."""
    for attempt in (1, 2):
        try:
            with write_session(factory) as session:
                receipt = receive(session, token=token, now=now, max_age=max_age)
                if then is not None:
                    then(session, receipt)
                return receipt
        except Refused as refused:
            log_refusal(factory, token=token, refused=refused, now=now)
            raise
        except IntegrityError:
            if attempt == 2:  # the id was stored by a concurrent delivery: now a duplicate
                raise
    raise AssertionError("unreachable")
