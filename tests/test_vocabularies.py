"""Every closed vocabulary stored in a column is one ``StrEnum``, and the databases agree with it.

The CHECK constraints were written by the migrations; the models write theirs from the enums
(``db.check_in``). Read back from freshly migrated SQLite and PostgreSQL databases, each
constraint must list exactly the values its column's enum allows, so a member added to an enum
without a migration (or a migration that changes a list the code does not know) fails here.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, inspect

from epibridge.db import StrEnumType, check_in, create_db_engine
from epibridge.registry import Base
from epibridge.settings import Settings
from epibridge.vocabulary import choice_of, members_of

#: Enum columns the migrations gave no CHECK constraint (the code alone writes them). Empty
#: since migration 0022 added the outbox's two; a new entry needs its reason here.
UNCHECKED: set[tuple[str, str]] = set()

_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_LISTS_VALUES = re.compile(r"\bIN\s*\(|=\s*ANY\s*\(", re.IGNORECASE)


def _enum_columns() -> list[tuple[str, Column[Any], StrEnumType]]:
    return [
        (table.name, column, column.type)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, StrEnumType)
    ]


def _values(sql: str) -> set[str]:
    return {value.replace("''", "'") for value in _QUOTED.findall(sql)}


def _database_checks(settings: Settings) -> dict[tuple[str, str], str]:
    """Every CHECK constraint of the migrated database that lists values, by (table, name)."""
    engine = create_db_engine(settings.database_url)
    try:
        inspector = inspect(engine)
        return {
            (table, check["name"]): check["sqltext"]
            for table in inspector.get_table_names()
            for check in inspector.get_check_constraints(table)
            if _LISTS_VALUES.search(check["sqltext"])
        }
    finally:
        engine.dispose()


def test_each_check_constraint_lists_its_enum_values(settings: Settings) -> None:
    checks = _database_checks(settings)
    columns = _enum_columns()
    assert len(columns) > 30
    drift: list[str] = []
    for table, column, kind in columns:
        name = f"ck_{table}_{column.name}"
        if (table, column.name) in UNCHECKED:
            assert (table, name) not in checks, f"{name} exists now: take it off UNCHECKED"
            continue
        if (table, name) not in checks:
            drift.append(f"{name}: no such constraint in the database")
            continue
        allowed = {member.value for member in kind.allowed}
        if _values(checks[(table, name)]) != allowed:
            drift.append(f"{name}: database {sorted(_values(checks[(table, name)]))}")
    assert drift == []


def test_no_listed_values_without_an_enum(settings: Settings) -> None:
    enum_checks = {(table, f"ck_{table}_{column.name}") for table, column, _ in _enum_columns()}
    assert sorted(set(_database_checks(settings)) - enum_checks) == []


def test_models_write_their_checks_from_the_enums() -> None:
    for table, column, kind in _enum_columns():
        if (table, column.name) in UNCHECKED:
            continue
        constraints = {
            str(c.name): str(c.sqltext)
            for c in Base.metadata.tables[table].constraints
            if isinstance(c, CheckConstraint)
        }
        expected = str(check_in(column.name, kind.allowed).sqltext)
        assert constraints.get(f"ck_{table}_{column.name}") == expected, (table, column.name)


class _Colour(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


def test_members_keep_their_enum_order_and_choices_take_the_values() -> None:
    assert members_of({_Colour.BLUE, _Colour.RED}) == (_Colour.RED, _Colour.BLUE)
    assert members_of(_Colour) == (_Colour.RED, _Colour.GREEN, _Colour.BLUE)
    assert choice_of(_Colour.BLUE, _Colour.RED).__args__ == ("red", "blue")
    assert str(check_in("colour", {_Colour.GREEN}).sqltext) == "colour IN ('green')"


def test_enum_columns_read_back_as_members() -> None:
    kind = StrEnumType(_Colour, 8)
    assert kind.process_bind_param(_Colour.RED, None) == "red"
    assert type(kind.process_bind_param(_Colour.RED, None)) is str
    loaded = kind.process_result_value("green", None)
    assert loaded is _Colour.GREEN
