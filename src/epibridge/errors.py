"""Errors that services raise and every interface (API, CLI, web) reports the same way.

Services never import FastAPI; the API maps these to RFC 9457 problem documents, the CLI to a
message and a non-zero exit code.

A message is a message id, the English text marked ``N_("...")``, with its ``{name}``
placeholders filled from ``params`` kept apart: ``detail`` and ``message`` are the English
sentence (what logs, the CLI and ``str()`` show), ``detail_in(lang)`` and ``message_in(lang)``
the reader's, translated from the catalogue and filled then. A service never formats the
English itself, or no language could translate it::

    raise InvalidInput(
        N_("{key} cannot be emptied"),
        [FieldError(key, N_("must be at most {limit}"), value, params={"limit": 20})],
        params={"key": key},
    )
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from epibridge.i18n import N_, Text
from epibridge.i18n import message as render

Params = Mapping[str, Any]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field (or row/column) of the input."""

    field: str
    message: str
    value: Any = None
    params: Params | None = field(default=None, kw_only=True, compare=False, repr=False)
    #: The message id ``message`` was rendered from (``message`` is its English sentence).
    message_id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.message, Text) and self.params is None:
            object.__setattr__(self, "params", self.message.params)
            object.__setattr__(self, "message", self.message.msgid)
        object.__setattr__(self, "message_id", str(self.message))
        object.__setattr__(self, "message", render(self.message, self.params, "en"))

    def message_in(self, lang: str) -> str:
        return render(self.message_id, self.params, lang)

    def at(self, field: str) -> FieldError:
        """The same problem named after another field (an option of a command, a form field)."""
        return FieldError(field, self.message_id, self.value, params=self.params)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message_in(lang)}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    params: Params | None = field(default=None, kw_only=True, compare=False, repr=False)
    #: The message id ``detail`` was rendered from (``detail`` is its English sentence).
    detail_id: str = field(init=False, compare=False, repr=False)

    status = 400
    title = N_("Bad request")
    kind = "bad-request"

    def __post_init__(self) -> None:
        if isinstance(self.detail, Text) and self.params is None:
            self.detail, self.params = self.detail.msgid, self.detail.params
        self.detail_id = str(self.detail)
        self.detail = render(self.detail, self.params, "en")

    def detail_in(self, lang: str) -> str:
        return render(self.detail_id, self.params, lang)

    def title_in(self, lang: str) -> str:
        return render(self.title, None, lang)

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        parts = "; ".join(f"{e.field}: {e.message}" for e in self.errors[:10])
        return f"{self.detail} ({parts})"


class InvalidValue(ValueError):
    """A ``ValueError`` whose message is a message id with parameters.

    Checks shared by pydantic validators and services (a disease code, a CAP time) raise it:
    pydantic wraps it as ``value_error`` and ``validation_messages`` renders it in the
    reader's language; code that catches ``ValueError`` keeps the message id with
    ``reason_of(exc)``, where ``str(exc)`` would keep only the English.
    """

    def __init__(self, msgid: str, params: Params | None = None) -> None:
        super().__init__(Text(msgid, params))

    @property
    def reason(self) -> Text:
        return self.args[0]


def reason_of(exc: BaseException) -> str:
    """Why ``exc`` was raised: a ``Text`` (still translatable) when it carries a message id."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Text) else str(exc)


class InvalidInput(DomainError):
    status = 422
    title = N_("Invalid input")
    kind = "invalid-input"


class NotFound(DomainError):
    status = 404
    title = N_("Not found")
    kind = "not-found"


class Conflict(DomainError):
    status = 409
    title = N_("Conflict")
    kind = "conflict"


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")
    kind = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    title = N_("Unauthenticated")
    kind = "unauthenticated"


class TooEarly(DomainError):
    """The request names something not here yet; the same request may succeed later (RFC 8470)."""

    status = 425
    title = N_("Too early")
    kind = "too-early"


class NoDatabase(DomainError):
    """There is no database to work on (or it has no schema yet): the operator creates it."""

    status = 503
    title = N_("No database")
    kind = "no-database"
