"""Search: the same words asked of each domain's own listing, so visibility is the domain's.

A search holds no rule about who may read what: it asks ``notifications.list_events``,
``detection.list_signals``, ``assistance.list_requests`` and ``consultations.list_`` with the
caller's principal and the text, and each applies its own visibility (a focal point does not
find another state's drafts, an observer finds only what is shared with partners and no
signals). A domain that refuses the caller altogether is left out of a search across kinds; a
search of that kind alone is refused as the domain refuses it.

Results come kind after kind (events, signals, requests, consultations), each in its own
listing's order. The cursor says which kind the next page starts in and that listing's own
cursor, so each domain keeps its keyset paging.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.assistance import service as assistance
from epibridge.assistance.schemas import RequestRead
from epibridge.consultations import service as consultations
from epibridge.consultations.models import Consultation
from epibridge.detection import service as detection
from epibridge.detection.models import Signal
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.notifications import service as notifications
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.statuses import EventMode
from epibridge.paging import Page
from epibridge.search.schemas import SearchHit
from epibridge.search.statuses import SearchKind
from epibridge.security import PermissionDenied, Principal

MIN_LENGTH = 2
MAX_LENGTH = 200
TOO_SHORT = N_("Type at least two characters to search.")
TOO_SHORT_FIELD = N_("at least 2 characters")
TOO_LONG = N_("A search is at most 200 characters long.")
TOO_LONG_FIELD = N_("at most 200 characters")
UNKNOWN_KIND = N_("Search events, signals, requests or consultations.")
UNKNOWN_KIND_FIELD = N_("one of event, signal, request, consultation")

#: One listing: (session, principal, text, its own cursor, limit) -> a page of hits.
Source = Callable[[Session, Principal, str, str | None, int], Page[SearchHit]]


def _event(event: NotificationEvent) -> SearchHit:
    return SearchHit(
        kind=SearchKind.EVENT,
        id=event.id,
        title=event.title,
        titles=notifications.titles(event),
        state=event.state,
        status=event.status,
        day=event.onset_date,
        exercise=event.mode != EventMode.ACTUAL,
        api_path=f"/api/v1/notifications/{event.id}",
    )


def _signal(signal: Signal) -> SearchHit:
    return SearchHit(
        kind=SearchKind.SIGNAL,
        id=signal.id,
        title=signal.title,
        state=signal.state,
        status=signal.status,
        day=signal.period_start,
        synthetic=signal.synthetic,
        api_path=f"/api/v1/signals/{signal.id}",
    )


def _request(request: RequestRead) -> SearchHit:
    items = ", ".join(line.item_name for line in request.lines)
    return SearchHit(
        kind=SearchKind.REQUEST,
        id=request.id,
        title=f"{items} — {request.delivery_point}" if items else request.delivery_point,
        state=request.state,
        status=request.status,
        day=request.needed_by,
        api_path=f"/api/v1/assistance/requests/{request.id}",
    )


def _consultation(consultation: Consultation) -> SearchHit:
    return SearchHit(
        kind=SearchKind.CONSULTATION,
        id=consultation.id,
        title=consultation.topic,
        state=consultation.convening_state or consultation.requested_by_state,
        status=consultation.status,
        day=consultation.convened_on,
        api_path=f"/api/v1/consultations/{consultation.id}",
    )


SOURCES: dict[SearchKind, Source] = {
    SearchKind.EVENT: lambda s, who, q, cursor, limit: notifications.list_events(
        s, actor=who, q=q, cursor=cursor, limit=limit
    ).map(_event),
    SearchKind.SIGNAL: lambda s, who, q, cursor, limit: detection.list_signals(
        s, principal=who, q=q, cursor=cursor, limit=limit
    ).map(_signal),
    SearchKind.REQUEST: lambda s, who, q, cursor, limit: assistance.list_requests(
        s, actor=who, q=q, cursor=cursor, limit=limit
    ).map(_request),
    SearchKind.CONSULTATION: lambda s, who, q, cursor, limit: consultations.list_(
        s, actor=who, topic=q, cursor=cursor, limit=limit
    ).map(_consultation),
}


def words(q: str | None) -> str:
    """The text searched for, or the error naming ``q``."""
    text = " ".join((q or "").split())
    if len(text) < MIN_LENGTH:
        raise InvalidInput(TOO_SHORT, [FieldError("q", TOO_SHORT_FIELD, q)])
    if len(text) > MAX_LENGTH:
        raise InvalidInput(TOO_LONG, [FieldError("q", TOO_LONG_FIELD, text[:40] + "…")])
    return text


def kinds_of(kind: str | None) -> list[SearchKind]:
    """The kinds searched: the one named, or all of them in order."""
    if not kind:
        return list(SearchKind)
    try:
        return [SearchKind(kind)]
    except ValueError:
        raise InvalidInput(UNKNOWN_KIND, [FieldError("kind", UNKNOWN_KIND_FIELD, kind)]) from None


def _start(cursor: str | None, kinds: list[SearchKind]) -> tuple[int, str | None]:
    """Which kind a page starts in, and that listing's cursor."""
    position = paging.decode_cursor(cursor)
    if position is None:
        return 0, None
    after = position.get("after")
    names = [k.value for k in kinds]
    if set(position) != {"kind", "after"} or position["kind"] not in names:
        raise paging.malformed(cursor)
    if after is not None and not isinstance(after, str):
        raise paging.malformed(cursor)
    return names.index(position["kind"]), after


def _page_of(
    session: Session, actor: Principal, kind: SearchKind, text: str, cursor: str | None, limit: int
) -> Page[SearchHit] | None:
    """One listing's page, or None when the domain refuses this caller (a search of all)."""
    try:
        return SOURCES[kind](session, actor, text, cursor, limit)
    except PermissionDenied:
        return None


def search(
    session: Session,
    *,
    actor: Principal,
    q: str | None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page[SearchHit]:
    """Find what ``actor`` may read whose title (topic, place) holds ``q``, a page at a time."""
    text = words(q)
    kinds = kinds_of(kind)
    first, after = _start(cursor, kinds)
    if kind:  # one kind: its listing's own page, refused as the domain refuses
        page = SOURCES[kinds[0]](session, actor, text, after, limit)
        if page.next_cursor is None:
            return page
        position = {"kind": kinds[0].value, "after": page.next_cursor}
        return Page[SearchHit](items=page.items, next_cursor=paging.encode_cursor(position))
    hits: list[SearchHit] = []
    for index in range(first, len(kinds)):
        if len(hits) == limit:
            rest = _rest(session, actor, kinds, index, text)
            return Page[SearchHit](items=hits, next_cursor=rest)
        page = _page_of(session, actor, kinds[index], text, after, limit - len(hits))
        after = None
        if page is None:
            continue
        hits += page.items
        if page.next_cursor:  # a full page: this kind goes on
            position = {"kind": kinds[index].value, "after": page.next_cursor}
            return Page[SearchHit](items=hits, next_cursor=paging.encode_cursor(position))
    return Page[SearchHit](items=hits)


def _rest(
    session: Session, actor: Principal, kinds: list[SearchKind], start: int, text: str
) -> str | None:
    """The cursor of the next kind that has a hit, or None when none has (no empty last page)."""
    for kind in kinds[start:]:
        page = _page_of(session, actor, kind, text, None, 1)
        if page is not None and page.items:
            return paging.encode_cursor({"kind": kind.value, "after": None})
    return None
