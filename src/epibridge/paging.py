"""Keyset pagination, the one way every list pages (services, API, web and CLI alike).

A page is read with ``WHERE (key, id) > (last key, last id)`` rather than ``OFFSET``: a row
inserted while someone pages neither repeats nor hides another, and page 1000 costs what page 1
does. The position of the last row travels to the client as an opaque cursor; the client only
hands back the ``next_cursor`` it was given, so this module is the only code that reads one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

T = TypeVar("T")
R = TypeVar("R")

#: Rows read per query when a page is filtered on values computed in Python: enough that a
#: sparse filter needs few round trips, few enough that a dense one wastes little.
READ_AHEAD = 200

MALFORMED = N_("the cursor is not one this API issued")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    # Services page ORM rows as well as read models (docs/architecture.md, "Conventions").
    model_config = ConfigDict(arbitrary_types_allowed=True)

    items: list[T]
    next_cursor: str | None = None

    def map(self, convert: Callable[[T], R]) -> Page[R]:
        """The same page with every item converted (an ORM row into its read model)."""
        return Page[Any](items=[convert(item) for item in self.items], next_cursor=self.next_cursor)


def malformed(cursor: object) -> InvalidInput:
    """The one error for a cursor this code did not issue, naming the ``cursor`` parameter."""
    return InvalidInput(MALFORMED, [FieldError("cursor", "malformed", cursor)])


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Decode a cursor from a previous page, or fail naming the ``cursor`` parameter."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise malformed(cursor) from exc
    if not isinstance(value, dict):
        raise malformed(cursor)
    return value


def clamp_limit(limit: int | None, *, default: int, maximum: int) -> int:
    """The page size a caller asked for, ``default`` when none, refused outside 1..maximum."""
    if limit is None:
        return default
    if limit < 1 or limit > maximum:
        raise InvalidInput(
            N_("limit must be between 1 and {maximum}"),
            [FieldError("limit", "out of range", limit)],
            params={"maximum": maximum},
        )
    return limit


def _python_type(column: InstrumentedAttribute[Any]) -> type | None:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. UTCDateTime: what it stores is its impl's type
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _typed(column: InstrumentedAttribute[Any], value: Any) -> Any:
    """``value`` read back from JSON as the column's type; ``ValueError`` when it cannot be."""
    kind = _python_type(column)
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if getattr(column.type, "timezone", False) and moment.tzinfo is None:
            raise ValueError("naive timestamp")
        return moment
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < 2**63:  # past any integer column: the driver would fail
            raise ValueError("out of range")
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError(f"not a {kind}")


@dataclass(frozen=True)
class Order:
    """How a list is ordered: by ``key`` (optional, NOT NULL), ties broken by ``id``.

    ``id`` must be unique, so the pair is a total order and a cursor names one position.
    """

    id: InstrumentedAttribute[Any]
    key: InstrumentedAttribute[Any] | None = None
    descending: bool = False

    def clauses(self) -> list[ColumnElement[Any]]:
        columns = [self.key, self.id] if self.key is not None else [self.id]
        return [c.desc() if self.descending else c.asc() for c in columns]

    def beyond(self, position: Sequence[Any]) -> ColumnElement[bool]:
        """The rows after ``position`` in this order."""

        def past(column: InstrumentedAttribute[Any], value: Any) -> ColumnElement[bool]:
            return column < value if self.descending else column > value

        if self.key is None:
            return past(self.id, position[0])
        key, last = position
        return or_(past(self.key, key), and_(self.key == key, past(self.id, last)))

    def position_of(self, row: Any) -> tuple[Any, ...]:
        """Where ``row`` stands in this order."""
        last = getattr(row, self.id.key)
        return (getattr(row, self.key.key), last) if self.key is not None else (last,)

    def cursor_of(self, row: Any) -> str:
        """The cursor of the page that starts after ``row``."""
        values = [v.isoformat() if isinstance(v, date) else v for v in self.position_of(row)]
        names = ("key", "id") if self.key is not None else ("id",)
        return encode_cursor(dict(zip(names, values, strict=True)))

    def read(self, cursor: str | None) -> tuple[Any, ...] | None:
        """The position a cursor names, or the one error when it is not one of this order's."""
        value = decode_cursor(cursor)
        if value is None:
            return None
        try:
            if set(value) != ({"id", "key"} if self.key is not None else {"id"}):
                raise ValueError("other fields")
            last = _typed(self.id, value["id"])
            return (_typed(self.key, value["key"]), last) if self.key is not None else (last,)
        except ValueError as exc:
            raise malformed(cursor) from exc


def page(
    session: Session,
    query: Select[Any],
    order: Order,
    *,
    cursor: str | None,
    limit: int,
    convert: Callable[[list[Any]], list[Any]] | None = None,
    keep: Callable[[Any], bool] | None = None,
) -> Page[Any]:
    """Read one page of ``query`` (one entity per row) in ``order``, after ``cursor``.

    ``convert`` turns a batch of rows into the items (read models) in one go, so it can load
    what they need with one query per batch; ``keep`` drops items on a value computed there,
    which SQL cannot filter on: then rows are read ahead until the page is full.
    """
    if limit < 1:
        raise InvalidInput("limit must be at least 1", [FieldError("limit", "out of range", limit)])
    position = order.read(cursor)
    ordered = query.order_by(*order.clauses())

    def rows_after(where: tuple[Any, ...] | None, count: int) -> list[Any]:
        batch = ordered if where is None else ordered.where(order.beyond(where))
        return list(session.execute(batch.limit(count)).scalars())

    def items_of(rows: list[Any]) -> list[Any]:
        return convert(rows) if convert is not None and rows else rows

    if keep is None:
        rows = rows_after(position, limit + 1)
        found = list(zip(rows[:limit], items_of(rows[:limit]), strict=True))
        more = len(rows) > limit
    else:
        found, more = _filtered(rows_after, items_of, keep, position, order, limit)
    next_cursor = order.cursor_of(found[-1][0]) if more and found else None
    return Page[Any](items=[item for _, item in found], next_cursor=next_cursor)


def _filtered(
    rows_after: Callable[[tuple[Any, ...] | None, int], list[Any]],
    items_of: Callable[[list[Any]], list[Any]],
    keep: Callable[[Any], bool],
    position: tuple[Any, ...] | None,
    order: Order,
    limit: int,
) -> tuple[list[tuple[Any, Any]], bool]:
    """Up to ``limit`` kept (row, item) pairs, and whether one more exists past them."""
    found: list[tuple[Any, Any]] = []
    batch = max(limit + 1, READ_AHEAD)
    while True:
        rows = rows_after(position, batch)
        for row, item in zip(rows, items_of(rows), strict=True):
            if not keep(item):
                continue
            if len(found) == limit:
                return found, True
            found.append((row, item))
        if len(rows) < batch:
            return found, False
        position = order.position_of(rows[-1])


def pages(fetch: Callable[[str | None], Page[T]]) -> Iterator[Page[T]]:
    """Every page of a list, in order: ``fetch(cursor)`` reads one."""
    cursor: str | None = None
    while True:
        current = fetch(cursor)
        yield current
        if current.next_cursor is None:
            return
        cursor = current.next_cursor


def every(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a list, page after page: ``fetch(cursor)`` reads one page."""
    for current in pages(fetch):
        yield from current.items
