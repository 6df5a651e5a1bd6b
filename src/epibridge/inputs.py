"""The base of every pydantic model a client sends: what no stored value may be, checked once.

Each domain's ``XCreate`` / ``XUpdate`` models derive from ``InputModel`` instead of
``BaseModel``, so one validator sees every field of every body, including the strings inside
lists and free-form mappings (``dict[str, Any]``), and one setting refuses NaN and infinities
(``1e400`` parses as infinity). A test walks the app's routes and fails when a body model is
not an ``InputModel``, so a new field or a new domain cannot skip the check.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from epibridge.text import MAX_INT64, MIN_DATE, unsafe_paths

#: The largest id of a row in a table with an ``Integer`` key (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
#: The largest id of a ``BigInteger`` key (PostgreSQL ``bigint``, every SQLite ``INTEGER``).
MAX_BIG_ID = MAX_INT64

#: A row id in a path, a query or a body: a larger number names no row, and PostgreSQL would
#: refuse it with an error instead of answering "not found", so it is refused up front.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: The id of a row of a ``BigInteger`` table (outbox deliveries, observations).
BigId = Annotated[int, Field(ge=1, le=MAX_BIG_ID)]


class InputModel(BaseModel):
    """A model of client input: publishable texts, finite numbers, dates from 1900 on."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _publishable(cls, value: Any) -> Any:
        """Refuse a value that could not be stored in PostgreSQL or published in XML or JSON."""
        if isinstance(value, BaseModel) or value is None:
            return value  # a nested model checked its own fields
        if isinstance(value, date):
            day = value.date() if isinstance(value, datetime) else value
            if day < MIN_DATE:
                raise PydanticCustomError(
                    "date_too_early",
                    "is before {min}: no record is that old",
                    {"min": MIN_DATE.isoformat()},
                )
            return value
        found = unsafe_paths(value)
        if found:
            where, reason = found[0]
            prefix = f"{where}: " if where else ""
            raise PydanticCustomError(
                "unsafe_text", "{prefix}{reason}", {"prefix": prefix, "reason": reason}
            )
        return value
