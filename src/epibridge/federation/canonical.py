"""The one JSON form that is signed: RFC 8785 (JSON Canonicalization Scheme).

Two nodes that serialise the same message must produce the same bytes, or a signature made on
one could not be checked on the other after any re-serialisation; ``rfc8785`` implements the
scheme (sorted keys by UTF-16 code units, ECMAScript number form, minimal escaping).

``rfc8785`` is pure Python and costs about a millisecond for a notification with its CAP, the
largest part of checking a message. For the values messages actually carry (strings, integers
within 2^53, booleans, null, lists, objects whose keys sort the same by code point and by
UTF-16 unit) the standard library's C encoder with sorted keys and no spaces writes exactly
the RFC 8785 bytes, so it is used when a check of its output proves the value is of that kind;
anything else (a float, a large integer, a key at U+E000 or above, a lone surrogate) goes to
``rfc8785``. The suite compares both paths on generated values.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

#: The integers ``rfc8785`` writes (an IEEE 754 double holds them exactly).
_SAFE_INTEGER = 2**53 - 1
#: From here up, sorting by code point and by UTF-16 code unit can disagree.
_SORT_DIFFERS = "\ue000"


class NotCanonical(ValueError):
    """Not writable in RFC 8785 form (NaN, an integer beyond 2^53, a non-JSON type)."""


class _NotPlain(Exception):
    """The value holds something only ``rfc8785`` writes correctly."""


def _float(text: str) -> Any:
    raise _NotPlain(text)


def _int(text: str) -> int:
    number = int(text)
    if abs(number) > _SAFE_INTEGER:
        raise _NotPlain(text)
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if any(max(key, default="") >= _SORT_DIFFERS for key, _ in pairs):
        raise _NotPlain("key sorting differs between code points and UTF-16")
    return dict(pairs)


def _plain(text: str) -> Any:
    """``text`` parsed, or ``_NotPlain`` when it holds what the C encoder may write wrongly."""
    return json.loads(
        text, parse_float=_float, parse_int=_int, parse_constant=_float, object_pairs_hook=_object
    )


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _fast_dumps(value: Any) -> bytes | None:
    """The RFC 8785 bytes by the C encoder, or None when this value needs ``rfc8785``."""
    try:
        text = _encode(value)
        if _plain(text) != value:  # tuples, non-string keys, subclasses: let rfc8785 decide
            return None
        return text.encode("utf-8")
    except (_NotPlain, TypeError, ValueError, RecursionError, UnicodeEncodeError):
        return None


def dumps(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``; ``NotCanonical`` for what JSON cannot carry exactly."""
    fast = _fast_dumps(value)
    if fast is not None:
        return fast
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise NotCanonical(str(exc)) from exc


def loads_canonical(data: bytes) -> Any:
    """Parse ``data`` and insist it was already canonical (so its digest names one message).

    A received payload that is valid JSON but not in RFC 8785 form would verify but could be
    re-encoded into different bytes by a relay; refusing it keeps one message one byte string.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotCanonical(f"not UTF-8: {exc}") from exc
    try:
        value = _plain(text)
    except _NotPlain:
        value = None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NotCanonical(f"not JSON: {exc}") from exc
    else:
        try:
            if _encode(value).encode("utf-8") == data:
                return value
        except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape
            pass
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NotCanonical(f"not JSON: {exc}") from exc
    if dumps(value) != data:
        raise NotCanonical("JSON not in RFC 8785 canonical form")
    return value
