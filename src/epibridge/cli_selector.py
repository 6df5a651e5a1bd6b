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
from typing import Annotated, Any, Literal, TypeVar

import typer

from epibridge.cli_support import choice_enum
from epibridge.epidata.selector import (
    GRANULARITIES,
    HELP,
    IDENTITY,
    REQUIRED,
    VIEW,
    SeriesSelector,
    default_of,
    granularity_help,
    type_of,
)
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_

R = TypeVar("R")
States = Literal["many", "one", "none"]


GranularityChoice = choice_enum("GranularityChoice", GRANULARITIES)


_STATES: dict[str, tuple[Any, str]] = {
    "many": (list[str], HELP["states"]),
    "one": (str, HELP["state"]),
}
#: Fields typed as text on the command line and parsed here, so an error names the option.
_PARSED_HERE = ("start", "end", "as_of")


def _option(name: str) -> tuple[Any, Any, str]:
    """Type, default and help of an option, read from the selector (its one table)."""
    if name == "granularity":
        return GranularityChoice, GranularityChoice(default_of(name)), granularity_help()
    default = default_of(name)
    kind = str | None if name in _PARSED_HERE else type_of(name)
    return kind, inspect.Parameter.empty if default is REQUIRED else default, HELP[name]


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
    added += [_parameter(name, *_option(name)) for name in fields]
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
