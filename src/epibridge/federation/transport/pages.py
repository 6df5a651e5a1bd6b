"""Accepting a pulled page of messages in one transaction, each message in a savepoint.

A node catching up pulls pages of up to 200 messages; one transaction per message would pay
the write lock, the commit and the look-ups of this node and of the signing keys 200 times.
Here the page shares them, while each message still stands alone: it is checked and applied
inside a savepoint, so a refused message rolls back only itself (and is logged afterwards in
a transaction of its own, as the inbox does), and a message delivered at the same moment by
a push is found a duplicate, never stored twice. A message that may be accepted later (425:
its record is not here yet; 401: its key is not known here yet) ends the page: the messages
before it stay applied, the rest is not read, and the caller keeps its pull cursor, so the
page comes again. If the page's transaction fails as a whole nothing of it is kept and the
pull cursor does not move: the next round asks again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow, write_session
from epibridge.federation.messages import TOO_EARLY, Refused
from epibridge.federation.transport import core, service
from epibridge.settings import Settings

#: Refusals that may turn into an acceptance later: the page stops there and comes again.
LATER = frozenset({401, TOO_EARLY})


@dataclass(frozen=True)
class PageItem:
    token: str
    route: str | None


@dataclass
class PageResult:
    accepted: int = 0
    duplicates: int = 0
    refused: list[Refused] = field(default_factory=list)
    #: The refusal that ended the page early (its message must come again), if any.
    held: Refused | None = None


def _one(session: Session, item: PageItem, settings: Settings, now: datetime) -> core.Received:
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                return service.accept(
                    session, token=item.token, settings=settings, route=item.route, now=now
                )
        except IntegrityError:  # stored meanwhile by a concurrent delivery: now a duplicate
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def accept_page(
    sessions: sessionmaker[Session], *, items: list[PageItem], settings: Settings
) -> PageResult:
    """Verify and apply each message of a page, up to one that must come again (``LATER``);
    return what was accepted, doubled, refused, and what held the page."""
    now = utcnow()
    result = PageResult()
    refusals: list[tuple[PageItem, Refused]] = []
    with write_session(sessions) as session:
        for item in items:
            try:
                received = _one(session, item, settings, now)
            except Refused as refused:
                refusals.append((item, refused))
                if refused.status in LATER:
                    result.held = refused
                    break
                continue
            if received.duplicate:
                result.duplicates += 1
            else:
                result.accepted += 1
    for item, refused in refusals:  # the inbox's log (which leaves out 425: not a refusal)
        core.log_refusal(sessions, token=item.token, refused=refused, now=now)
        if refused is not result.held:
            result.refused.append(refused)
    return result
