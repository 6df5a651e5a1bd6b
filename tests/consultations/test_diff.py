"""The differences between versions, computed with difflib (pure functions)."""

from __future__ import annotations

from epibridge.consultations import diff


def test_word_ops_rebuild_both_texts() -> None:
    old = "States notify within 24 hours of detection."
    new = "Member states notify within 48 hours of confirmation."
    ops = diff.word_ops(old, new)
    assert "".join(op["old"] for op in ops) == old
    assert "".join(op["new"] for op in ops) == new
    assert ("24", "48") in [(op["old"], op["new"]) for op in ops if op["op"] == "replace"]


def test_compare_names_added_removed_and_unchanged_languages() -> None:
    changes = diff.compare(
        {"en": "one\ntwo", "ru": "один"},
        {"en": "one\nthree", "zh": "一"},
        old_number=1,
        new_number=2,
    )
    by_language = {c["language"]: c for c in changes}
    assert by_language["en"]["change"] == "changed"
    assert by_language["ru"]["change"] == "removed"
    assert by_language["zh"]["change"] == "added"
    assert by_language["en"]["unified_diff"].splitlines()[:2] == ["--- v1/en", "+++ v2/en"]
    assert "-two" in by_language["en"]["unified_diff"]
    assert "+three" in by_language["en"]["unified_diff"]
    same = diff.compare({"en": "x"}, {"en": "x"}, old_number=1, new_number=2)
    assert same[0]["change"] == "unchanged" and same[0]["words"] == []
