"""From a submitted form to a service's input, and from a refusal to words the reader can act on.

Pydantic names what is wrong with a value in English; a page says it in the reader's language,
next to the field's own label. ``validated`` turns a model's errors into ``InvalidInput`` whose
messages are message ids with their parameters; ``shown`` translates them (and the services'
own field errors) for the page. ``refusing`` answers a refusal (403) with a sentence saying
what only someone else may do, in the reader's language, instead of a 500 or an English reason.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.security import PermissionDenied
from epibridge.web.context import Web

M = TypeVar("M", bound=BaseModel)

CHECK_FIELDS = N_("Please correct the fields marked below.")
REQUIRED = N_("is required")
WHOLE_NUMBER = N_("must be a whole number")
A_DATE = N_("must be a date (YYYY-MM-DD)")
A_MOMENT = N_("must be a date and a time")
NOT_A_CHOICE = N_("is not one of the choices offered")
NOT_VALID = N_("is not valid")
AT_LEAST_ONE = N_("needs at least one entry")

#: Pydantic's error types, as the page says them (parameters from the error's context).
PYDANTIC_MESSAGES = {
    "missing": REQUIRED,
    "string_too_short": N_("is too short: at least %(min_length)s characters"),
    "string_too_long": N_("is too long: at most %(max_length)s characters"),
    "too_short": N_("needs at least %(min_length)s entries"),
    "too_long": N_("takes at most %(max_length)s entries"),
    "int_parsing": WHOLE_NUMBER,
    "int_type": WHOLE_NUMBER,
    "int_from_float": WHOLE_NUMBER,
    "float_parsing": N_("must be a number"),
    "finite_number": N_("must be a number"),
    "greater_than_equal": N_("must be at least %(ge)s"),
    "less_than_equal": N_("must be at most %(le)s"),
    "greater_than": N_("must be more than %(gt)s"),
    "date_parsing": A_DATE,
    "date_from_datetime_parsing": A_DATE,
    "date_type": A_DATE,
    "datetime_parsing": A_MOMENT,
    "datetime_from_date_parsing": A_MOMENT,
    "datetime_type": A_MOMENT,
    "timezone_aware": A_MOMENT,
    "enum": NOT_A_CHOICE,
    "literal_error": NOT_A_CHOICE,
    "string_pattern_mismatch": N_("is not in the expected form"),
    "date_too_early": N_("is before %(min)s: no record is that old"),
    "unsafe_text": N_("contains a control character, NUL or a lone surrogate"),
}


@dataclass(frozen=True)
class FormError(FieldError):
    """A field's problem as a message id and the parameters it is formatted with."""

    params: Mapping[str, Any] = field(default_factory=dict)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "form"


def pydantic_problems(exc: ValidationError) -> list[FieldError]:
    problems: list[FieldError] = []
    for error in exc.errors():
        context = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
        message = PYDANTIC_MESSAGES.get(error["type"], NOT_VALID)
        if context.get("min_length") == 1:
            # An empty text or list where one is needed: simply required.
            message = REQUIRED if error["type"] == "string_too_short" else AT_LEAST_ONE
        problems.append(FormError(_field(error["loc"]), message, None, context))
    return problems


def validated(
    model: type[M],
    payload: dict[str, Any],
    problems: list[FieldError],
    covered: frozenset[str] = frozenset(),
) -> M:
    """The model built from ``payload``; refused with every problem, the form's own first.

    ``covered`` names fields whose problem the form's own problems already say (the lines of
    a request, when each wrong row is named)."""
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        # A field the form already found wrong is named once, with the form's words.
        named = {p.field for p in problems} | covered
        problems = problems + [p for p in pydantic_problems(exc) if p.field not in named]
        data = None
    if problems or data is None:
        raise InvalidInput(CHECK_FIELDS, problems)
    return data


def whole(
    value: str, name: str, problems: list[FieldError], *, required: bool = False
) -> int | None:
    """A whole number typed in a field; a problem naming the field otherwise."""
    if not value:
        if required:
            problems.append(FormError(name, REQUIRED))
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(FormError(name, WHOLE_NUMBER, value))
        return None


def day(
    value: str, name: str, problems: list[FieldError], *, required: bool = False
) -> date | None:
    """A date field (``YYYY-MM-DD``); a wrong one is a problem naming the field."""
    if not value:
        if required:
            problems.append(FormError(name, REQUIRED))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(FormError(name, A_DATE, value))
        return None


def moment_utc(value: str, name: str, problems: list[FieldError]) -> datetime | None:
    """A required ``datetime-local`` field read as UTC, which the page says next to it."""
    if not value:
        problems.append(FormError(name, REQUIRED))
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(FormError(name, A_MOMENT, value))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Shown:
    """The problems of a form as the page shows them: by field, and as a list with labels."""

    detail: str
    by_field: dict[str, str]
    listed: list[tuple[str, str]]


def shown(
    web: Web,
    exc: DomainError,
    label: Callable[[str], str | None],
    rename: Callable[[str], str] = lambda name: name,
) -> Shown:
    """Translate a refusal's problems; ``label`` gives a field's label id (None: the field's
    name is shown as it is), ``rename`` maps a service's field to the form's control."""
    by_field: dict[str, str] = {}
    listed: list[tuple[str, str]] = []
    for error in exc.errors:
        name = rename(error.field)
        if isinstance(error, FormError):  # this module's ids take %-style parameters
            message = web.gettext(error.message)
            message = message % error.params if error.params else message
        else:  # a service's message id with its {name} parameters
            message = error.message_in(web.lang)
        by_field.setdefault(name, message)
        title = label(name)
        listed.append((web.gettext(title) if title else name, message))
    return Shown(web.detail(exc), by_field, listed)


def refusing(message: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Answer a refusal of the handler's action with ``message`` (a message id) on a 403 page.

    The service decided; the page only says, in the reader's language, who may do this.
    """

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            web: Web = kwargs["web"]
            try:
                return handler(*args, **kwargs)
            except PermissionDenied:
                pass
            except DomainError as exc:
                if exc.status != 403:
                    raise
            detail = web.gettext(message)
            return web.render("error.html", {"status": 403, "detail": detail, "errors": []}, 403)

        wrapper.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
        return wrapper

    return decorate
