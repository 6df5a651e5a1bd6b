"""The series selector read from a query string: one dependency per route shape, parsed once.

Routes differ in which of the selector's fields they offer (the history has no as-of, the
organization-wide total no state); each declares its shape with ``selector_query`` and receives
one ``SeriesSelector``. The query parameter names are the selector's face names (``state``,
``disease``, ... ``as_of``), the same on every route, with one description each.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal, get_args

from fastapi import Query

from epibridge.epidata.codes import Granularity
from epibridge.epidata.selector import (
    HELP,
    IDENTITY,
    REQUIRED,
    VIEW,
    SeriesSelector,
    default_of,
    granularity_help,
    type_of,
)

States = Literal["many", "one", "none"]

#: The ``state`` parameter's type and description, by how many states a route reads.
_STATES: dict[str, tuple[Any, str]] = {
    "many": (list[str], HELP["states"]),
    "one": (str, HELP["state"]),
}


def _field(name: str) -> tuple[Any, Any, str]:
    """Type, default and description of a field, read from the selector (its one table)."""
    default = default_of(name)
    return type_of(name), inspect.Parameter.empty if default is REQUIRED else default, HELP[name]


def _parameter(name: str, kind: Any, default: Any, description: str) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind, Query(description=description)],
    )


def selector_query(
    *,
    states: States = "many",
    fields: Iterable[str] = (*IDENTITY, *VIEW),
    granularity: Any = Granularity,
) -> Callable[..., Any]:
    """A dependency reading ``state`` (as ``states`` says) and ``fields`` into one selector.

    ``granularity`` is the ``Literal`` of the periods the route offers (detection: week or
    month), so the OpenAPI document lists exactly those.
    """
    wanted = list(fields)
    parameters = []
    if states != "none":
        kind, description = _STATES[states]
        parameters.append(_parameter("state", kind, inspect.Parameter.empty, description))
    for name in wanted:
        if name == "granularity":
            description = granularity_help(get_args(granularity))
            parameters.append(_parameter(name, granularity, default_of(name), description))
        else:
            parameters.append(_parameter(name, *_field(name)))

    async def read(**values: Any) -> SeriesSelector:
        state = values.pop("state", ())
        return SeriesSelector(states=(state,) if isinstance(state, str) else tuple(state), **values)

    read.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return read
