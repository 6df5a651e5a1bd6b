"""The one JSON form that is signed: RFC 8785 (JSON Canonicalization Scheme).

Two nodes that serialise the same message must produce the same bytes, or a signature made on
one could not be checked on the other after any re-serialisation; ``rfc8785`` implements the
scheme (sorted keys by UTF-16 code units, ECMAScript number form, minimal escaping).
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785


class NotCanonical(ValueError):
    """Not writable in RFC 8785 form (NaN, an integer beyond 2^53, a non-JSON type)."""


def dumps(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value``; ``NotCanonical`` for what JSON cannot carry exactly."""
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
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NotCanonical(f"not JSON: {exc}") from exc
    if dumps(value) != data:
        raise NotCanonical("JSON not in RFC 8785 canonical form")
    return value
