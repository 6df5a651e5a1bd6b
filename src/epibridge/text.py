"""Which characters a stored text may hold, so every stored text can be published as XML and JSON.

Every text epibridge stores ends up in an Atom feed, a CAP 1.2 alert (XML 1.0), a JSON answer or
a PostgreSQL ``text`` column. Those refuse, between them:

- NUL (U+0000): PostgreSQL text cannot hold it at all;
- the other C0 controls except tab, LF and CR (U+0001-U+0008, U+000B, U+000C, U+000E-U+001F):
  XML 1.0 forbids them even as character references, so one of them in a title breaks the
  public feed for every reader until the row is changed;
- lone surrogates (U+D800-U+DFFF): they cannot be encoded as UTF-8, so neither stored nor sent;
- U+FFFE and U+FFFF: XML 1.0 forbids them (they are the byte-order mark's mirror and a sentinel).

We also refuse DEL (U+007F) and the C1 controls (U+0080-U+009F). XML 1.0 allows them, but XML
1.1 restricts them, they never belong in human text, and in practice they are the trace of a
Windows-1252 file read as Latin-1 (the "smart quotes" of a word processor turned into U+0093):
refusing them tells the sender at once instead of publishing invisible garbage.

Everything else passes: private-use (Co) and unassigned (Cn) code points, line and paragraph
separators (Zl, Zp), combining marks, right-to-left text and format characters are all valid
XML and JSON. The check is one compiled regular expression, run at every entrance (JSON bodies,
forms, uploads, CAP import, query and path parameters) so a bad text never reaches a table.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from epibridge.i18n import N_, Phrase, Text

#: The refused characters, as a regular-expression class (also used by Polars on uploads).
DISALLOWED_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
_DISALLOWED = re.compile(DISALLOWED_CLASS)
#: The same class in the syntax of Polars' (Rust) regular expressions, which has no surrogates:
#: text reaching Polars was decoded from UTF-8, which cannot carry one.
POLARS_DISALLOWED = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{fffe}\x{ffff}]"

#: Dates before this are refused at every entrance: no surveillance record is that old, and
#: the epidemic database packs days since 1970 into 24 bits with an offset of 100,000 days.
MIN_DATE = date(1900, 1, 1)

#: The largest integer any column stores (SQLite INTEGER, PostgreSQL bigint).
MAX_INT64 = 2**63 - 1

REASON = N_("control characters (other than tab, LF, CR), NUL and lone surrogates are refused")


def first_disallowed(value: str) -> int | None:
    """The position of the first refused character of ``value``, or None when it is clean."""
    found = _DISALLOWED.search(value)
    return None if found is None else found.start()


def problem(value: str) -> str | None:
    """Why ``value`` is refused (naming the character and its position), or None when clean."""
    at = first_disallowed(value)
    if at is None:
        return None
    return Text(
        N_("U+{code} at position {at}: {reason}"),
        {"code": f"{ord(value[at]):04X}", "at": at, "reason": Phrase(REASON)},
    )


def clean(value: str) -> str:
    """``value`` with every refused character removed (for rows stored before the check)."""
    return _DISALLOWED.sub("", value)


def unsafe_paths(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, reason) of every refused text or unstorable number inside a JSON-like value.

    Keys of mappings are checked too; ``path`` uses dots for keys and ``[i]`` for items.
    """
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        reason = problem(value)
        if reason:
            found.append((path, reason))
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_INT64:
            found.append((path, N_("is beyond the 64-bit range any database column can store")))
    elif isinstance(value, float):
        if not math.isfinite(value):
            found.append((path, N_("NaN and infinite numbers are refused: send a finite number")))
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (reason := problem(key)):
                found.append((path or "(key)", Text(N_("key: {reason}"), {"reason": reason})))
                continue
            found.extend(unsafe_paths(item, sub))
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            found.extend(unsafe_paths(item, f"{path}[{i}]"))
    return found


def _check(value: str) -> str:
    reason = problem(value)
    if reason:
        raise PydanticCustomError("unsafe_text", "{reason}", {"reason": reason})
    return value


#: A ``str`` that refuses the characters above; for bodies and parameters that are not models.
SafeText = Annotated[str, AfterValidator(_check)]


def printable(value: str, limit: int = 200) -> str:
    """``value`` made safe to echo back in an error: refused characters as ``\\uXXXX``."""
    cut = value[:limit]
    return _DISALLOWED.sub(lambda m: f"\\u{ord(m.group()):04x}", cut)
