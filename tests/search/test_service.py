"""Search asks each domain's own listing: what a reader finds is what that reader may read,
kind after kind, a page at a time, and bad input names its parameter."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge import paging
from epibridge.db import read_session
from epibridge.errors import InvalidInput
from epibridge.search import service
from epibridge.security import PermissionDenied, Principal
from tests.search.seed import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT, build


def _found(session: Session, who: Principal, q: str, **options: object) -> list[tuple[str, int]]:
    page = service.search(session, actor=who, q=q, limit=50, **options)  # type: ignore[arg-type]
    return [(hit.kind.value, hit.id) for hit in page.items]


def test_each_reader_finds_what_the_domains_let_it_read(sessions: sessionmaker[Session]) -> None:
    world = build(sessions)
    assert world.signals == 1
    with read_session(sessions) as session:
        kaz = _found(session, FP_KAZ, "cholera")
        rus = _found(session, FP_RUS, "CHOLERA")
        observer = _found(session, OBSERVER, "cholera")
        # The notifying state finds its own draft, another member does not.
        assert ("event", world.draft) in kaz and ("event", world.draft) not in rus
        assert {("event", world.notified), ("event", world.shared)} <= set(rus)
        # A signal is found by its disease's name (its title names the code), in any language.
        assert ("signal", 1) in kaz and ("signal", 1) in rus
        assert _found(session, FP_RUS, "холера", kind="signal") == [("signal", 1)]
        assert ("request", world.request) in rus
        assert ("consultation", world.consultation) in rus
        # An observer: only what is shared with partners, no signals (members' data), no
        # consultation it was not invited to.
        assert observer == [("event", world.shared), ("request", world.request)]
        with pytest.raises(PermissionDenied):
            service.search(session, actor=OBSERVER, q="cholera", kind="signal")
        # Kinds come in order: events, signals, requests, consultations.
        kinds = [kind for kind, _ in _found(session, SECRETARIAT, "cholera")]
        assert kinds == ["event", "event", "event", "signal", "request", "consultation"]
        assert _found(session, SECRETARIAT, "Orenburg") == [("event", world.shared)]
        assert _found(session, SECRETARIAT, "no such words here") == []


def test_pages_walk_every_hit_once_across_kinds(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with read_session(sessions) as session:
        everything = _found(session, SECRETARIAT, "cholera")
        for size in (1, 2, 3, 5):
            walked, pages = [], 0
            for page in paging.pages(
                lambda cursor, size=size: service.search(
                    session, actor=SECRETARIAT, q="cholera", cursor=cursor, limit=size
                )
            ):
                pages += 1
                assert page.items, "no page is empty"
                walked += [(hit.kind.value, hit.id) for hit in page.items]
            assert walked == everything, size
            assert pages == -(-len(everything) // size)
        one_kind = list(
            paging.every(
                lambda cursor: service.search(
                    session, actor=SECRETARIAT, q="cholera", kind="event", cursor=cursor, limit=1
                )
            )
        )
        assert [hit.kind.value for hit in one_kind] == ["event"] * 3


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": " x "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "cholera", "kind": "border"}, "kind"),
        ({"q": "cholera", "cursor": "not-a-cursor"}, "cursor"),
        (
            {"q": "cholera", "cursor": paging.encode_cursor({"kind": "lane", "after": None})},
            "cursor",
        ),
        ({"q": "cholera", "cursor": paging.encode_cursor({"kind": "event", "after": 5})}, "cursor"),
    ],
)
def test_bad_input_names_the_parameter(
    sessions: sessionmaker[Session], options: dict[str, str], field: str
) -> None:
    with read_session(sessions) as session, pytest.raises(InvalidInput) as refused:
        service.search(session, actor=FP_KAZ, **options)  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == [field]
