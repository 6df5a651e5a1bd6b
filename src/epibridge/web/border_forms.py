"""What the border pages share: the names they show, the OxCGRT C8 scale, and their forms.

A form is read into the service's input model here and nothing more: the rules (who reports
which side, what contradicts what, which crossings a lane may cover) are the service's. A
refused form comes back with each problem next to its field, the field named by its label and
the problem said in the reader's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from epibridge import paging
from epibridge.borders import service as borders
from epibridge.borders.schemas import CrossingRead
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.text import first_disallowed, printable
from epibridge.web.context import UNSAFE_FIELD, UNSAFE_FORM, Web, text
from epibridge.web.form_input import form_problem

STATUS_NAMES = {
    "open": N_("Open"),
    "restricted": N_("Restricted"),
    "closed": N_("Closed"),
    "unknown": N_("No report"),
    "conflict": N_("Sides disagree"),
}
KIND_NAMES = {
    "road": N_("Road"),
    "rail": N_("Rail"),
    "river": N_("River"),
    "air": N_("Air"),
    "sea": N_("Sea"),
}
TRAFFIC_NAMES = {"freight": N_("Freight"), "people": N_("People")}
DIRECTION_NAMES = {"outbound": N_("Outbound"), "inbound": N_("Inbound")}
LANE_NAMES = {"green": N_("Green lane"), "fast": N_("Fast lane")}

#: OxCGRT C8 "International travel controls" (codebook v2.11, docs/borders.md): each level's
#: name in the codebook's words, and what it means at a crossing.
C8_LEVELS = {
    0: (N_("No measures"), N_("Travellers cross as usual: no health measures at the border.")),
    1: (
        N_("Screening arrivals"),
        N_("Arrivals are screened (questionnaire, temperature, test) and then admitted."),
    ),
    2: (
        N_("Quarantine arrivals from some or all regions"),
        N_("Arrivals from some or all regions must go into quarantine."),
    ),
    3: (
        N_("Ban arrivals from some regions"),
        N_("Arrivals from some regions are refused; others are admitted."),
    ),
    4: (
        N_("Ban on all regions or total border closure"),
        N_("No arrivals are admitted, or the border is closed."),
    ),
}

#: Each form field's label, as the form shows it; errors name the field by it.
FIELD_LABELS = {
    "side": N_("Side"),
    "direction": N_("Direction"),
    "traffic": N_("Traffic"),
    "status": N_("Status"),
    "capacity_percent": N_("Capacity, per cent of normal"),
    "wait_minutes": N_("Waiting, minutes"),
    "measures_c8": N_("Health measures (OxCGRT C8 level)"),
    "measures_text": N_("Measures in force"),
    "effective_from": N_("In force from (UTC)"),
    "effective_until": N_("In force until (UTC)"),
    "kind": N_("Kind of lane"),
    "name": N_("Name"),
    "states": N_("Party states"),
    "crossing_ids": N_("Crossings"),
    "documents_accepted": N_("Documents accepted"),
    "checks": N_("Checks"),
    "hours": N_("Hours"),
    "target_minutes": N_("Target, minutes"),
    "agreement": N_("Agreement"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
    "crossing_id": N_("Crossing"),
    "lane_id": N_("Lane"),
}
#: Input fields whose form field has another name (the share is typed as a percentage).
FORM_FIELDS = {"capacity_share": "capacity_percent"}

CHECK_FIELDS = N_("check the highlighted fields")
NOT_WHOLE = N_("not a whole number")
NOT_NUMBER = N_("not a number")
NOT_MOMENT = N_("not a date and time (YYYY-MM-DD hh:mm)")
NOT_DAY = N_("not a date (YYYY-MM-DD)")
REQUIRED = N_("required")
CAPACITY_RANGE = N_("must be between 0 and 300")

#: pydantic's range errors: on the capacity they say the percentage's range, not the share's.
LIMIT_TYPES = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


#: Enough for every crossing of the registry on one page.
MAX_CROSSINGS = 500


def all_crossings(session: Any, **filters: Any) -> list[CrossingRead]:
    found: list[CrossingRead] = []
    pages = paging.pages(
        lambda cursor: borders.list_crossings(session, cursor=cursor, limit=200, **filters)
    )
    for page in pages:
        found.extend(page.items)
        if len(found) >= MAX_CROSSINGS:
            break
    return found


def translated(web: Web, names: dict[Any, str]) -> dict[Any, str]:
    return {key: web.gettext(value) for key, value in names.items()}


def names(web: Web) -> dict[str, Any]:
    """The translated names every border template uses."""
    return {
        "status_names": translated(web, STATUS_NAMES),
        "kind_names": translated(web, KIND_NAMES),
        "traffic_names": translated(web, TRAFFIC_NAMES),
        "direction_names": translated(web, DIRECTION_NAMES),
        "lane_names": translated(web, LANE_NAMES),
        "c8_levels": {k: (web.gettext(a), web.gettext(b)) for k, (a, b) in C8_LEVELS.items()},
    }


def invalid(exc: ValidationError) -> InvalidInput:
    """The model's refusal as the service's error: message ids with their parameters, which
    the page renders in the reader's language (the one pydantic vocabulary of the API)."""
    errors = []
    for error in exc.errors():
        if error["loc"] and error["loc"][0] == "capacity_share" and error["type"] in LIMIT_TYPES:
            errors.append(FieldError("capacity_share", CAPACITY_RANGE))  # typed as a percentage
        else:
            errors.append(form_problem(error))
    return InvalidInput(CHECK_FIELDS, errors)


def shown_errors(web: Web, errors: list[FieldError]) -> dict[str, dict[str, str]]:
    """Errors by form field (``states.1`` belongs to ``states``): its label and the message."""
    out: dict[str, dict[str, str]] = {}
    for error in errors:
        field = error.field.split(".")[0]
        field = FORM_FIELDS.get(field, field)
        if field in out:
            continue
        label = FIELD_LABELS.get(field)
        out[field] = {
            "label": web.gettext(label) if label else field,
            "message": error.message_in(web.lang),
        }
    return out


def whole(form: FormData, name: str, errors: list[FieldError]) -> int | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.append(FieldError(name, NOT_WHOLE, value))
        return None


def percent_share(form: FormData, name: str, errors: list[FieldError]) -> float | None:
    """A percentage typed in the form, as the share of normal the service stores."""
    value = text(form, name).replace(",", ".").rstrip("%").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        errors.append(FieldError(name, NOT_NUMBER, value))
        return None
    return round(number / 100.0, 4)


def moment(form: FormData, name: str, errors: list[FieldError]) -> datetime | None:
    """A ``datetime-local`` value, read as UTC (the form says so)."""
    value = text(form, name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, NOT_MOMENT, value))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(form: FormData, name: str, errors: list[FieldError]) -> date | None:
    value = text(form, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, NOT_DAY, value))
        return None


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, refused like ``text``."""
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    for value in values:
        if first_disallowed(value) is not None:
            raise InvalidInput(UNSAFE_FORM, [FieldError(name, UNSAFE_FIELD, printable(value, 80))])
    return [v.strip() for v in values if v.strip()]


def lines(form: FormData, name: str) -> list[str]:
    """A textarea with one item a line."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def status_values(form: FormData, now: datetime) -> tuple[dict[str, Any], list[FieldError]]:
    """The status form as the input of ``StatusReportCreate``, and what could not be read."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {
        "side": text(form, "side"),
        "direction": text(form, "direction"),
        "traffic": text(form, "traffic"),
        "status": text(form, "status"),
        "capacity_share": percent_share(form, "capacity_percent", errors),
        "wait_minutes": whole(form, "wait_minutes", errors),
        "measures_c8": whole(form, "measures_c8", errors),
        "measures_text": text(form, "measures_text") or None,
        "effective_from": moment(form, "effective_from", errors) or now,
        "effective_until": moment(form, "effective_until", errors),
    }
    return values, errors


def lane_values(form: FormData, *, create: bool) -> tuple[dict[str, Any], list[FieldError]]:
    """The lane form as the input of ``LaneCreate`` (or ``LaneUpdate``: no kind, no states)."""
    errors: list[FieldError] = []
    crossing_ids = []
    for value in texts(form, "crossing_ids"):
        try:
            crossing_ids.append(int(value))
        except ValueError:
            errors.append(FieldError("crossing_ids", NOT_WHOLE, value))
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "crossing_ids": crossing_ids,
        "documents_accepted": lines(form, "documents_accepted"),
        "checks": text(form, "checks") or None,
        "hours": text(form, "hours") or None,
        "target_minutes": whole(form, "target_minutes", errors),
        "agreement": text(form, "agreement") or None,
        "valid_until": day(form, "valid_until", errors),
    }
    if create:
        values["kind"] = text(form, "kind")
        values["states"] = texts(form, "states")
        values["valid_from"] = day(form, "valid_from", errors)
    if values["target_minutes"] is None and not any(e.field == "target_minutes" for e in errors):
        errors.append(FieldError("target_minutes", REQUIRED))
    return values, errors


def form_values(form: FormData) -> dict[str, Any]:
    """What was typed, to show the form again: single fields as text, repeated ones as lists."""
    out: dict[str, Any] = {}
    for key in form:
        many = form.getlist(key)
        out[key] = many if key in ("states", "crossing_ids") else form.get(key)
    return out
