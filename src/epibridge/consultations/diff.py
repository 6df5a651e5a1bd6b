"""What changed between two versions of a document, per language, computed with difflib.

Pure functions over texts, so the API, the CLI and the report pages show the same differences.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

_TOKEN = re.compile(r"\S+|\s+")


def _words(text: str) -> list[str]:
    # Whitespace is kept as tokens of its own so that joining the pieces gives the text back.
    return _TOKEN.findall(text)


def unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """Return the unified diff of two texts, line by line."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    )
    return "\n".join(lines)


def word_ops(old: str, new: str) -> list[dict[str, str]]:
    """Return the word-level edit script turning ``old`` into ``new``."""
    a, b = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [
        {"op": tag, "old": "".join(a[i1:i2]), "new": "".join(b[j1:j2])}
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _count_words(text: str) -> int:
    return len(text.split())


def compare(
    old_texts: dict[str, str], new_texts: dict[str, str], *, old_number: int, new_number: int
) -> list[dict[str, Any]]:
    """Compare two versions' texts in every language either of them has."""
    changes = []
    for language in sorted(set(old_texts) | set(new_texts)):
        old = old_texts.get(language, "")
        new = new_texts.get(language, "")
        if language not in old_texts:
            change = "added"
        elif language not in new_texts:
            change = "removed"
        else:
            change = "changed" if old != new else "unchanged"
        ops = word_ops(old, new) if change != "unchanged" else []
        changes.append(
            {
                "language": language,
                "change": change,
                "unified_diff": unified(
                    old,
                    new,
                    old_label=f"v{old_number}/{language}",
                    new_label=f"v{new_number}/{language}",
                ),
                "words": ops,
                "inserted_words": sum(
                    _count_words(op["new"]) for op in ops if op["op"] in ("insert", "replace")
                ),
                "deleted_words": sum(
                    _count_words(op["old"]) for op in ops if op["op"] in ("delete", "replace")
                ),
            }
        )
    return changes
