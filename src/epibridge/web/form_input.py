"""From a submitted form to a service's input, and from a refusal to words the reader can act on.

Pydantic names what is wrong with a value in English; a page says it in the reader's language,
next to the field's own label. ``validated`` turns a model's errors into ``InvalidInput`` in
the one vocabulary of pydantic errors (``validation_messages``: message ids with parameters,
the API's and every form's); ``shown`` translates them (and the services' own field errors)
for the page. ``refusing`` answers a refusal (403) with a sentence saying what only someone
else may do, in the reader's language, instead of a 500 or an English reason.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from epibridge.db import write_session
from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.security import PermissionDenied
from epibridge.validation_messages import MESSAGES, field_error
from epibridge.web.context import Web

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

CHECK_FIELDS = N_("Please correct the fields marked below.")
#: pydantic's word for a field left out: a form says it of an empty field too.
REQUIRED = MESSAGES["missing"]
# The form reads typed numbers and dates itself, so its message can name the format expected.
WHOLE_NUMBER = N_("must be a whole number")
A_DATE = N_("must be a date (YYYY-MM-DD)")
A_MOMENT = N_("must be a date and a time")

#: pydantic's "at least one" errors: an empty control in a form, which is simply left out.
EMPTY_TYPES = frozenset({"string_too_short", "too_short"})


def _as_typed(error: Mapping[str, Any]) -> Mapping[str, Any]:
    """A form sends an empty text (or no entry) where nothing was typed, never a missing field:
    "at least 1 character" there means the field is required, and is said so."""
    if error.get("type") in EMPTY_TYPES and (error.get("ctx") or {}).get("min_length") == 1:
        return {**error, "type": "missing", "ctx": {}}
    return error


def form_problem(error: Mapping[str, Any], *, echo: bool = False) -> FieldError:
    """One pydantic error as a form's problem (``echo``: with what was typed, for pages that
    show it back)."""
    return field_error(_as_typed(error), value=error.get("input") if echo else None)


def pydantic_problems(exc: ValidationError, *, echo: bool = False) -> list[FieldError]:
    """The model's errors as the form's problems, in the one vocabulary of pydantic errors."""
    return [form_problem(error, echo=echo) for error in exc.errors()]


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
            problems.append(FieldError(name, REQUIRED))
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(FieldError(name, WHOLE_NUMBER, value))
        return None


def day(
    value: str, name: str, problems: list[FieldError], *, required: bool = False
) -> date | None:
    """A date field (``YYYY-MM-DD``); a wrong one is a problem naming the field."""
    if not value:
        if required:
            problems.append(FieldError(name, REQUIRED))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(FieldError(name, A_DATE, value))
        return None


def moment_utc(value: str, name: str, problems: list[FieldError]) -> datetime | None:
    """A required ``datetime-local`` field read as UTC, which the page says next to it."""
    if not value:
        problems.append(FieldError(name, REQUIRED))
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(FieldError(name, A_MOMENT, value))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


#: What a form page's template is given when nothing was refused.
NO_PROBLEMS: Mapping[str, Any] = {"errors": {}, "listed": [], "detail": None}


@dataclass(frozen=True)
class Shown:
    """The problems of a form as the page shows them: by field, and as a list with labels."""

    detail: str
    by_field: dict[str, str]
    listed: list[tuple[str, str]]

    def context(self) -> dict[str, Any]:
        """The template's ``errors``, ``listed`` and ``detail`` (see ``NO_PROBLEMS``)."""
        return {"errors": self.by_field, "listed": self.listed, "detail": self.detail}


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
        message = error.message_in(web.lang)
        by_field.setdefault(name, message)
        title = label(name)
        listed.append((web.gettext(title) if title else name, message))
    return Shown(web.detail(exc), by_field, listed)


def form_page(
    web: Web,
    template: str,
    context: Mapping[str, Any],
    refusal: DomainError | None,
    label: Callable[[str], str | None],
    rename: Callable[[str], str] = lambda name: name,
) -> Response:
    """A page with a form: as asked for (200), or with a refusal's problems beside its fields
    and listed with their labels (the refusal's status, 422 for invalid input)."""
    shown_context = {**NO_PROBLEMS, **context}
    if refusal is None:
        return web.render(template, shown_context)
    shown_context.update(shown(web, refusal, label, rename).context())
    return web.render(template, shown_context, refusal.status)


def error_page(web: Web, refusal: DomainError, label: Callable[[str], str | None]) -> Response:
    """A refusal on the error page (no form to show again), each problem named by its label."""
    found = shown(web, refusal, label)
    errors = [FieldError(name, message) for name, message in found.listed]
    context = {"status": refusal.status, "detail": found.detail, "errors": errors}
    return web.render("error.html", context, refusal.status)


def act(web: Web, call: Callable[..., T], **arguments: Any) -> T:
    """One service call as the signed-in principal, in one write session (committed when it
    returns, rolled back when it refuses)."""
    principal = web.require()
    with write_session(web.sessions) as session:
        return call(session, actor=principal, **arguments)


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
