"""What the account, administration and audit pages share: names of roles and standings in
the reader's language, and a posted form read into a service's input model."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.web.context import Web
from epibridge.web.form_input import pydantic_problems

M = TypeVar("M", bound=BaseModel)

CHECK_FIELDS = N_("Check the fields named below.")
NOT_A_DATE = N_("Dates are written YYYY-MM-DD.")
NOT_A_DATE_FIELD = N_("not a date (YYYY-MM-DD)")

ROLE_NAMES = {
    "focal_point": N_("Focal point"),
    "secretariat": N_("Secretariat"),
    "observer": N_("Observer"),
    "admin": N_("Administrator"),
    "system": N_("System account (a machine)"),
}
STANDING_NAMES = {
    "active": N_("Active"),
    "locked_out": N_("Locked out after wrong passwords"),
    "locked": N_("Locked"),
}
KIND_NAMES = {"webhook": N_("Webhook"), "email": N_("E-mail")}
TOKEN_STATE_NAMES = {"active": N_("Active"), "expired": N_("Expired"), "revoked": N_("Revoked")}


def names(web: Web, table: dict[str, str]) -> dict[str, str]:
    return {key: web.gettext(value) for key, value in table.items()}


def validated(model: type[M], values: dict[str, Any]) -> M:
    """``values`` as ``model``, or ``InvalidInput`` naming each field pydantic refused."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(
            CHECK_FIELDS,
            pydantic_problems(exc, echo=True),
        ) from exc


def day_of(value: str | None, field: str) -> date | None:
    """A YYYY-MM-DD query value, None when empty, or the error naming ``field``."""
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(NOT_A_DATE, [FieldError(field, NOT_A_DATE_FIELD, value)]) from None


def failure(web: Web, exc: InvalidInput) -> dict[str, Any]:
    """The context a form page shows a refusal with: the detail and each field's reason."""
    return {
        "detail": web.detail(exc),
        "errors": web.field_errors(list(exc.errors)),
    }
