"""Closed vocabularies (statuses, kinds) are ``StrEnum``s; this makes the narrower choices of them.

Each vocabulary is defined once, in its domain's ``statuses.py``, and used as the ORM column's
type (``db.StrEnumType``), its CHECK constraint (``db.check_in``), the pydantic field's type and
in every comparison. A ``StrEnum`` member is its string (``EventStatus.DRAFT == "draft"``), so
JSON, templates, CSV and the audit log see the same words as before.

Some fields accept only part of a vocabulary (a new event is a draft or notified, never closed).
``choice_of`` gives them a ``Literal`` of those members' values: pydantic then lists exactly
those values in OpenAPI and says "Input should be 'draft' or 'notified'" as it always did,
while the values are still written once, in the enum.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal


def members_of(values: type[StrEnum] | Iterable[StrEnum]) -> tuple[StrEnum, ...]:
    """The members of an enum, or the given members in their enum's order (sets have none)."""
    if isinstance(values, type):
        return tuple(values)
    chosen = set(values)
    if not chosen:
        raise ValueError("a vocabulary needs at least one member")
    order = {member: index for index, member in enumerate(type(next(iter(chosen))))}
    return tuple(sorted(chosen, key=order.__getitem__))


def choice_of(*members: StrEnum) -> Any:
    """A pydantic field type accepting exactly these members' values (as their strings)."""
    return Literal[tuple(member.value for member in members_of(members))]  # type: ignore[valid-type]
