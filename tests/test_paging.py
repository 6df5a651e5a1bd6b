"""The keyset helper every list pages with, on a table of its own, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from epibridge import paging
from epibridge.db import UTCDateTime, read_session, write_session
from epibridge.errors import InvalidInput
from epibridge.paging import Order, Page, clamp_limit, encode_cursor

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "paging_test_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    label: Mapped[str]


BY_ID = Order(Item.id)
NEWEST = Order(Item.id, descending=True)
BY_RANK = Order(Item.id, key=Item.rank)
LATEST = Order(Item.id, key=Item.at, descending=True)


@pytest.fixture
def table(sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    engine = sessions.kw["bind"]
    Base.metadata.create_all(engine)
    try:
        yield sessions
    finally:
        Base.metadata.drop_all(engine)


def _add(sessions: sessionmaker[Session], *ranks: int) -> None:
    with write_session(sessions) as session:
        count = len(session.execute(select(Item.id)).all())
        session.add_all(
            Item(rank=r, at=T0 + timedelta(hours=r), label=f"item {count + n}")
            for n, r in enumerate(ranks)
        )


def _page(
    sessions: sessionmaker[Session], order: Order, cursor: str | None, limit: int, **kw: object
) -> Page[Item]:
    with read_session(sessions) as session:
        return paging.page(session, select(Item), order, cursor=cursor, limit=limit, **kw)  # type: ignore[arg-type]


def _walk(sessions: sessionmaker[Session], order: Order, limit: int, **kw: object) -> list[int]:
    return [
        item.id if isinstance(item, Item) else item
        for item in paging.every(lambda c: _page(sessions, order, c, limit, **kw))
    ]


def test_pages_in_order_and_end_with_no_cursor(table: sessionmaker[Session]) -> None:
    _add(table, *range(7))
    first = _page(table, BY_ID, None, 3)
    assert [i.id for i in first.items] == [1, 2, 3] and first.next_cursor
    assert _walk(table, BY_ID, 3) == [1, 2, 3, 4, 5, 6, 7]
    assert _walk(table, NEWEST, 3) == [7, 6, 5, 4, 3, 2, 1]
    exact = _page(table, BY_ID, None, 7)
    assert len(exact.items) == 7 and exact.next_cursor is None
    last = _page(table, BY_ID, _page(table, BY_ID, None, 6).next_cursor, 6)
    assert [i.id for i in last.items] == [7] and last.next_cursor is None


def test_an_empty_list_is_one_empty_page(table: sessionmaker[Session]) -> None:
    empty = _page(table, BY_ID, None, 5)
    assert empty.items == [] and empty.next_cursor is None


def test_stable_under_inserts_between_pages(table: sessionmaker[Session]) -> None:
    """New rows land before the pages already read (newest first) or at the end (oldest first):
    nothing is shown twice and nothing already listed is skipped."""
    _add(table, *range(6))
    newest = _page(table, NEWEST, None, 2)
    oldest = _page(table, BY_ID, None, 2)
    _add(table, 10, 11, 12)
    rest_newest = [i.id for i in paging.every(lambda c: _page(table, NEWEST, c, 2))]
    rest = _page(table, NEWEST, newest.next_cursor, 10)
    assert [i.id for i in newest.items] == [6, 5]
    assert [i.id for i in rest.items] == [4, 3, 2, 1]
    assert rest_newest == [9, 8, 7, 6, 5, 4, 3, 2, 1]
    after = [i.id for i in paging.every(lambda c: _page(table, BY_ID, c or oldest.next_cursor, 2))]
    assert [i.id for i in oldest.items] + after == list(range(1, 10))


def test_ties_on_the_sort_key_are_broken_by_id(table: sessionmaker[Session]) -> None:
    _add(table, 2, 1, 2, 1, 2, 1, 3)
    # ranks by id: 1→2, 2→1, 3→2, 4→1, 5→2, 6→1, 7→3
    for limit in (1, 2, 3, 10):
        assert _walk(table, BY_RANK, limit) == [2, 4, 6, 1, 3, 5, 7], limit
    # A page boundary inside a run of equal keys: the next page resumes within the run.
    first = _page(table, BY_RANK, None, 2)
    assert [i.id for i in first.items] == [2, 4]
    _add(table, 1)  # id 8, rank 1: after id 4 within rank 1, so it is on a later page
    assert _walk(table, BY_RANK, 2) == [2, 4, 6, 8, 1, 3, 5, 7]
    second = _page(table, BY_RANK, first.next_cursor, 2)
    assert [i.id for i in second.items] == [6, 8]


def test_a_timestamp_key_newest_first(table: sessionmaker[Session]) -> None:
    _add(table, 5, 1, 5, 3)
    assert _walk(table, LATEST, 1) == [3, 1, 4, 2]
    assert _walk(table, LATEST, 3) == [3, 1, 4, 2]


def test_filtered_on_computed_values_reads_ahead(
    table: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``convert`` builds items per batch and ``keep`` drops some; pages still fill up."""
    monkeypatch.setattr(paging, "READ_AHEAD", 4)
    _add(table, *range(20))
    batches: list[int] = []

    def convert(rows: list[Item]) -> list[int]:
        batches.append(len(rows))
        return [row.id for row in rows]

    kw = {"convert": convert, "keep": lambda item: item % 3 == 0}
    assert _walk(table, BY_ID, 2, **kw) == [3, 6, 9, 12, 15, 18]
    assert max(batches) == 4
    assert _walk(table, NEWEST, 4, **kw) == [18, 15, 12, 9, 6, 3]
    none_kept = _page(table, BY_ID, None, 5, convert=convert, keep=lambda item: False)
    assert none_kept.items == [] and none_kept.next_cursor is None
    converted = _page(table, BY_ID, None, 2, convert=convert)
    assert converted.items == [1, 2] and converted.next_cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64",
        "%%%",
        "bm90LWEtY3Vyc29y",  # base64 of "not-a-cursor"
        encode_cursor({"after": 3}),  # another order's field
        encode_cursor({"id": "3"}),
        encode_cursor({"id": True}),
        encode_cursor({"id": 2**63}),  # past every integer column (SQLite raised, a 500)
        encode_cursor({"id": 3, "extra": 1}),
        "WzFd",  # base64 of "[1]": JSON, not an object
        "/w",  # one byte 0xff: not UTF-8
    ],
)
def test_a_bad_cursor_is_the_one_error(table: sessionmaker[Session], cursor: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        _page(table, BY_ID, cursor, 5)
    assert raised.value.detail == paging.MALFORMED
    assert [(e.field, e.message, e.value) for e in raised.value.errors] == [
        ("cursor", "malformed", cursor)
    ]


@pytest.mark.parametrize(
    ("order", "position"),
    [
        (BY_RANK, {"id": 3}),  # no key
        (BY_RANK, {"key": "x", "id": 3}),
        (LATEST, {"key": "2026-01-01T00:00:00", "id": 3}),  # a naive time for an aware column
        (LATEST, {"key": "yesterday", "id": 3}),
        (LATEST, {"key": 5, "id": 3}),
    ],
)
def test_a_cursor_with_a_wrong_key_is_the_one_error(
    table: sessionmaker[Session], order: Order, position: dict[str, object]
) -> None:
    cursor = encode_cursor(position)
    with pytest.raises(InvalidInput) as raised:
        _page(table, order, cursor, 5)
    assert [e.field for e in raised.value.errors] == ["cursor"]


def test_limit_bounds(table: sessionmaker[Session]) -> None:
    assert clamp_limit(None, default=50, maximum=500) == 50
    assert clamp_limit(1, default=50, maximum=500) == 1
    assert clamp_limit(500, default=50, maximum=500) == 500
    for wrong in (0, -1, 501):
        with pytest.raises(InvalidInput) as raised:
            clamp_limit(wrong, default=50, maximum=500)
        assert [e.field for e in raised.value.errors] == ["limit"]
    for wrong in (0, -3):
        with pytest.raises(InvalidInput) as raised:
            _page(table, BY_ID, None, wrong)
        assert [e.field for e in raised.value.errors] == ["limit"]
    _add(table, 1, 2)
    assert [i.id for i in _page(table, BY_ID, None, 1).items] == [1]
