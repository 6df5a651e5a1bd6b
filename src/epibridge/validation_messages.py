"""pydantic's validation errors as ``FieldError``s with message ids, so they translate.

pydantic writes English sentences; each error also has a type (``missing``,
``string_too_long``…) and the parameters of its sentence (``ctx``: ``max_length``…). Here a
type is a message id of the catalogue and the parameters are kept, so the API, the web pages
and the CLI show the sentence in the reader's language. A type not listed keeps pydantic's
English. The English ids follow pydantic's wording, so English readers see what they saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from epibridge.errors import FieldError, reason_of
from epibridge.i18n import N_, Phrase, Text

#: Message ids by pydantic error type; ``{name}`` is the error's ``ctx[name]``.
MESSAGES: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "json_invalid": N_("malformed JSON: {error}"),
    "json_type": N_("JSON input should be string, bytes or bytearray"),
    "model_type": N_("Input should be an object"),
    "model_attributes_type": N_("Input should be an object"),
    "dataclass_type": N_("Input should be an object"),
    "dict_type": N_("Input should be an object"),
    "mapping_type": N_("Input should be an object"),
    "none_required": N_("Input should be null"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "finite_number": N_("Input should be a finite number"),
    "too_short": N_("Should have at least {min_length} items, not {actual_length}"),
    "too_long": N_("Should have at most {max_length} items"),
    "iterable_type": N_("Input should be a list"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid list"),
    "set_type": N_("Input should be a valid list"),
    "frozen_set_type": N_("Input should be a valid list"),
    "set_item_not_hashable": N_("Set items should be hashable"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_("Input should be a valid string of Unicode text"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_not_ascii": N_("String should contain only ASCII characters"),
    "enum": N_("Input should be {expected}"),
    "literal_error": N_("Input should be {expected}"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Unable to parse input string as an integer, exceeded maximum size"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "decimal_type": N_("Input should be a valid number"),
    "decimal_parsing": N_("Input should be a valid number"),
    "bytes_type": N_("Input should be a valid string"),
    "bytes_too_short": N_("Data should have at least {min_length} bytes"),
    "bytes_too_long": N_("Data should have at most {max_length} bytes"),
    # A validator's own sentence, translated when it is a message id of the catalogue.
    "value_error": "{error}",
    "assertion_error": "{error}",
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_("A date should have no time of day"),
    "date_past": N_("Date should be in the past"),
    "date_future": N_("Date should be in the future"),
    "time_type": N_("Input should be a valid time"),
    "time_parsing": N_("Input should be in a valid time format, {error}"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date, {error}"),
    "datetime_object_invalid": N_("Invalid datetime object, got {error}"),
    "datetime_past": N_("Input should be in the past"),
    "datetime_future": N_("Input should be in the future"),
    "timezone_naive": N_("Input should not have timezone info"),
    "timezone_aware": N_("Input should have timezone info"),
    "timezone_offset": N_("Timezone offset of {tz_expected} required, got {tz_actual}"),
    "time_delta_type": N_("Input should be a valid duration"),
    "time_delta_parsing": N_("Input should be a valid duration, {error}"),
    "url_type": N_("Input should be a valid URL"),
    "url_parsing": N_("Input should be a valid URL, {error}"),
    "url_syntax_violation": N_("Input should be a valid URL, {error}"),
    "url_too_long": N_("URL should have at most {max_length} characters"),
    "url_scheme": N_("URL scheme should be {expected_schemes}"),
    "uuid_type": N_("Input should be a valid UUID"),
    "uuid_parsing": N_("Input should be a valid UUID, {error}"),
    "union_tag_invalid": N_(
        "Input tag '{tag}' found using {discriminator} does not match any of the expected "
        "tags: {expected_tags}"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
    # epibridge's own (inputs.py, text.py)
    "date_too_early": N_("is before {min}: no record is that old"),
    "unsafe_text": "{prefix}{reason}",
}

#: The parts of pydantic's sentences that are themselves sentences (the date and time parser's
#: reasons, the text checks' reasons, the json module's): translated when the catalogue has them.
TRANSLATED_CONTEXT = frozenset({"error", "reason"})
FRAGMENTS = (
    N_("input is too short"),
    N_("input is too long"),
    N_("month value is outside expected range of 1-12"),
    N_("day value is outside expected range"),
    N_("hour value is outside expected range of 0-23"),
    N_("minute value is outside expected range of 0-59"),
    N_("second value is outside expected range of 0-59"),
    N_("timezone offset must be less than 24 hours"),
    N_("invalid date separator, expected `-`"),
    N_("invalid datetime separator, expected `T`, `t`, `_` or space"),
    N_("invalid time separator, expected `:`"),
    N_("invalid character in year"),
    N_("invalid character in month"),
    N_("invalid character in day"),
    N_("invalid character in hour"),
    N_("invalid character in minute"),
    N_("invalid character in second"),
    N_("unexpected extra characters at the end of the input"),
    N_("invalid timezone hour"),
    N_("invalid timezone minute"),
    N_("invalid timezone sign"),
    N_("second fraction digits missing after `.`"),
    N_("year 0 is out of range"),
    # the json module's reasons (a malformed body's json_invalid, an upload's rows)
    N_("Expecting value"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Expecting ':' delimiter"),
    N_("Expecting ',' delimiter"),
    N_("Extra data"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("Invalid \\uXXXX escape"),
)
_OR = N_("{choices} or {last}")


def location(loc: Iterable[Any], *, prefix: str = "") -> str:
    """The dotted field name of a location, without FastAPI's ``body``/``query``… part."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:] or parts
    return prefix + ".".join(parts)


def _params(error: Mapping[str, Any]) -> dict[str, Any]:
    ctx = dict(error.get("ctx") or {})
    for key in TRANSLATED_CONTEXT & ctx.keys():
        value = reason_of(ctx[key]) if isinstance(ctx[key], BaseException) else ctx[key]
        ctx[key] = value if isinstance(value, Text) else Phrase(str(value))
    if "expected" in ctx and " or " in str(ctx["expected"]):
        head, _, last = str(ctx["expected"]).rpartition(" or ")
        ctx["expected"] = Phrase(_OR, {"choices": head, "last": last})
    return ctx


def field_error(error: Mapping[str, Any], *, prefix: str = "", value: Any = None) -> FieldError:
    """One pydantic error (an item of ``exc.errors()``) as a translatable ``FieldError``."""
    where = location(error.get("loc", ()), prefix=prefix)
    msgid = MESSAGES.get(str(error.get("type")))
    if msgid is None:
        return FieldError(where, str(error.get("msg", "invalid")), value)
    return FieldError(where, msgid, value, params=_params(error))


def field_errors(errors: Iterable[Mapping[str, Any]], *, prefix: str = "") -> list[FieldError]:
    """Each pydantic error as a ``FieldError`` (without the input: callers add it if wanted)."""
    return [field_error(e, prefix=prefix) for e in errors]
