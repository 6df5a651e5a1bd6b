"""The series selector read from a query string: one dependency per route shape, parsed once.

Routes differ in which of the selector's fields they offer (the history has no as-of, the
organization-wide total no state); each declares its shape with ``selector_query`` and receives
one ``SeriesSelector``. The query parameter names are the selector's face names (``state``,
``disease``, ... ``as_of``), the same on every route, with one description each.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import Query

from epibridge.epidata.codes import Granularity
from epibridge.epidata.selector import IDENTITY, VIEW, SeriesSelector

States = Literal["many", "one", "none"]

_STATES: dict[str, tuple[Any, str]] = {
    "many": (list[str], "ISO3 code(s): repeat or comma-separate."),
    "one": (str, "ISO3 code of the state."),
}
#: Type, default and description of each field but the state and the granularity.
_FIELDS: dict[str, tuple[Any, Any, str]] = {
    "disease": (str, inspect.Parameter.empty, "ICD-10 code, e.g. J11, A00, U07.1."),
    "metric": (str, "cases", "cases, deaths, hospitalisations, tests, ..."),
    "classification": (str, "all", "suspected, probable, confirmed or all."),
    "area": (str, "", "ISO 3166-2 code; empty for the whole state."),
    "age_group": (str, "", "e.g. 0-4, 65+; empty for all ages."),
    "sex": (str, "", "female, male, unknown; empty for everyone."),
    "start": (date | None, None, "First day of the range (YYYY-MM-DD)."),
    "end": (date | None, None, "Last day of the range (YYYY-MM-DD)."),
    "as_of": (datetime | None, None, "Show what was known at this moment (ISO timestamp)."),
}


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
            *others, last = get_args(granularity)
            description = f"{', '.join(others)} or {last} (weeks are ISO weeks)."
            parameters.append(_parameter(name, granularity, "week", description))
        else:
            parameters.append(_parameter(name, *_FIELDS[name]))

    async def read(**values: Any) -> SeriesSelector:
        state = values.pop("state", ())
        return SeriesSelector(states=(state,) if isinstance(state, str) else tuple(state), **values)

    read.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return read
