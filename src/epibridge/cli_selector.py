"""The series selector as command options: declared once, parsed once, passed whole.

``@selector_options(...)`` gives a command the selector's options it offers (``--state``,
``--disease``, ``--metric``, ``--classification``, ``--area``, ``--age-group``, ``--sex``,
``--granularity``, ``--start``, ``--end``, ``--as-of``) and calls it with one ``selector``
argument instead. Errors name the option (``--start``), as a person typed it. Put it below
``@report_errors`` so a bad option is reported like any other invalid input.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

import typer

from epibridge.epidata.selector import IDENTITY, VIEW, SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

R = TypeVar("R")
States = Literal["many", "one", "none"]


class GranularityChoice(StrEnum):
    day = "day"
    week = "week"
    month = "month"


_STATES: dict[str, tuple[Any, str]] = {
    "many": (list[str], "ISO3 code; repeat (or comma-separate) for several states."),
    "one": (str, "ISO3 code."),
}
#: Type, default and help of each option but the state.
_OPTIONS: dict[str, tuple[Any, Any, str]] = {
    "disease": (str, inspect.Parameter.empty, "ICD-10 code."),
    "metric": (str, "cases", "cases, deaths, hospitalisations, ..."),
    "classification": (str, "all", "suspected/probable/confirmed/all."),
    "area": (str, "", "ISO 3166-2 code (default: whole state)."),
    "age_group": (str, "", "Age group such as 0-4 or 65+ (default: all ages)."),
    "sex": (str, "", "female, male or unknown (default: everyone)."),
    "granularity": (GranularityChoice, GranularityChoice.week, "day, week or month."),
    "start": (str | None, None, "First day YYYY-MM-DD."),
    "end": (str | None, None, "Last day YYYY-MM-DD."),
    "as_of": (str | None, None, "What was known then (ISO timestamp, UTC if no offset)."),
}


def option_name(name: str) -> str:
    """The command-line spelling of a selector field (``age_group`` -> ``--age-group``)."""
    return "--" + name.replace("_", "-")


def _parameter(name: str, kind: Any, default: Any, help_text: str) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind, typer.Option(option_name(name), help=help_text)],
    )


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            N_("{option} must be a date YYYY-MM-DD"),
            [FieldError(option_name(name), "malformed date", value)],
            params={"option": option_name(name)},
        ) from None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "--as-of must be an ISO timestamp", [FieldError("--as-of", "malformed", value)]
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse(values: dict[str, Any]) -> SeriesSelector:
    """The selector of the options given (missing ones take the selector's defaults)."""
    state = values.pop("state", ())
    typed = dict(values)
    for name in ("start", "end"):
        if name in typed:
            typed[name] = _day(typed[name], name)
    if "as_of" in typed:
        typed["as_of"] = _moment(typed["as_of"])
    if "granularity" in typed:
        typed["granularity"] = GranularityChoice(typed["granularity"]).value
    try:
        return SeriesSelector(states=(state,) if isinstance(state, str) else tuple(state), **typed)
    except InvalidInput as exc:
        errors = [e.at(option_name(e.field)) for e in exc.errors]
        raise InvalidInput(exc.detail_id, errors, params=exc.params) from None


def selector_options(
    *, states: States = "many", fields: Iterable[str] = (*IDENTITY, *VIEW)
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Add the selector's options (``state`` as ``states`` says, then ``fields``) to a command."""
    added = []
    if states != "none":
        kind, help_text = _STATES[states]
        added.append(_parameter("state", kind, inspect.Parameter.empty, help_text))
    added += [_parameter(name, *_OPTIONS[name]) for name in fields]
    names = [p.name for p in added]

    def decorate(command: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(command, eval_str=True)
        own = list(signature.parameters.values())
        at = [p.name for p in own].index("selector")
        # The options take the selector's place (in --help too); those after it become
        # keyword-only, as Typer passes every option by name anyway.
        keyword = inspect.Parameter.KEYWORD_ONLY
        parameters = [*own[:at], *added, *(p.replace(kind=keyword) for p in own[at + 1 :])]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            kwargs["selector"] = parse({name: kwargs.pop(name) for name in names})
            return command(*args, **kwargs)

        # Typer reads the options from the signature and the annotations it is given.
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {
            **{k: v for k, v in command.__annotations__.items() if k != "selector"},
            **{p.name: p.annotation for p in added},
        }
        return wrapper

    return decorate
