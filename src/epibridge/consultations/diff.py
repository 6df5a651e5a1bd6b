"""What changed between two versions of a document, per language, computed with difflib.

Pure functions over texts, so the API, the CLI and the report pages show the same differences.

The word differences compare tokens, not whitespace-separated chunks: Chinese, Japanese, Thai
and the other scripts written without spaces have no whitespace between words, so a whole
Chinese sentence would be one "word" and a one-character change would replace it all. Their
characters are tokens one by one (a dictionary segmenter would give words, at the price of a
dictionary per language, and difflib finds the same changed characters either way); scripts
written with spaces keep their words; punctuation is a token of its own, so a changed word is
not reported together with the comma after it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

#: Scripts written without spaces between words: each character is a token of its own.
_UNSPACED = re.compile(
    "["
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u0f00-\u0fff"  # Tibetan
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3005-\u3007"  # 々 〆 〇
    "\u3021-\u3029"  # Hangzhou numerals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f"  # Bopomofo
    "\u31a0-\u31ff"  # Bopomofo extended, CJK strokes, Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # halfwidth Katakana
    "\U00020000-\U0003134f"  # CJK extensions B to G
    "]"
)
_SPACE, _MARK, _UNSPACED_CHAR, _WORD, _OTHER = range(5)
#: The first pass compares runs of whitespace and of everything else, a run ending after a
#: full stop of the scripts without spaces (so a Chinese paragraph is several sentences).
_CHUNK = re.compile(r"[^\s。！？]+[。！？]*|[。！？]+|\s+")


def _kind(char: str) -> int:
    if char.isspace():
        return _SPACE
    category = unicodedata.category(char)
    if category[0] == "M":  # a combining mark belongs to the character before it
        return _MARK
    if _UNSPACED.match(char):
        return _UNSPACED_CHAR
    return _WORD if category[0] in "LN" else _OTHER


def tokens(text: str) -> list[str]:
    """Split ``text`` into the tokens the word differences compare (joined, they give it back).

    A token is a run of whitespace, a word (letters and digits with their combining marks), one
    character of a script written without spaces, or one punctuation mark or symbol.
    """
    found = []
    start, end = 0, len(text)
    while start < end:
        kind = _kind(text[start])
        stop = start + 1
        joins = {_SPACE} if kind == _SPACE else {_WORD, _MARK} if kind == _WORD else {_MARK}
        while stop < end and _kind(text[stop]) in joins:
            stop += 1
        found.append(text[start:stop])
        start = stop
    return found


def unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """Return the unified diff of two texts, line by line."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm=""
    )
    return "\n".join(lines)


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()


def word_ops(old: str, new: str) -> list[dict[str, str]]:
    """Return the word-level edit script turning ``old`` into ``new``.

    Two passes, as diff tools compare lines before words: the texts' chunks first (what
    whitespace or a Chinese full stop separates), then the tokens of each replaced run of
    chunks. A Chinese sentence is one chunk, so the second pass compares only the sentences
    that changed, character by character, instead of the whole document (difflib's cost grows
    with the product of the lengths).
    """
    a, b = _CHUNK.findall(old), _CHUNK.findall(new)
    ops: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        was, now = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag != "replace":
            _append(ops, tag, was, now)
            continue
        x, y = tokens(was), tokens(now)
        for fine, k1, k2, m1, m2 in _opcodes(x, y):
            _append(ops, fine, "".join(x[k1:k2]), "".join(y[m1:m2]))
    return ops


def _append(ops: list[dict[str, str]], tag: str, old: str, new: str) -> None:
    """Add one edit, joined to the one before when it is of the same kind."""
    if ops and ops[-1]["op"] == tag:
        ops[-1]["old"] += old
        ops[-1]["new"] += new
    else:
        ops.append({"op": tag, "old": old, "new": new})


def _count_words(text: str) -> int:
    """Words in ``text``: a Chinese or Thai character counts as one, punctuation as none."""
    return sum(1 for token in tokens(text) if _kind(token[0]) in (_WORD, _UNSPACED_CHAR))


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
