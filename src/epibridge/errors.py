"""Errors that services raise and every interface (API, CLI, web) reports the same way.

Services never import FastAPI; the API maps these to RFC 9457 problem documents, the CLI to a
message and a non-zero exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one field (or row/column) of the input."""

    field: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)

    status = 400
    title = "Bad request"
    kind = "bad-request"

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        parts = "; ".join(f"{e.field}: {e.message}" for e in self.errors[:10])
        return f"{self.detail} ({parts})"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    kind = "invalid-input"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    kind = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    kind = "conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    kind = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthenticated"
    kind = "unauthenticated"
