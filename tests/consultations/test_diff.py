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


# Drafts of one clause in the three working languages (synthetic test texts).
EN = "The member states share laboratory data within 48 hours, and notify cases at once."
RU = (
    "Государства-члены обмениваются лабораторными данными за 48 часов и сразу уведомляют о случаях."
)
ZH = "成员国在四十八小时内共享实验室数据，并立即通报病例。"


def _changed(old: str, new: str) -> list[tuple[str, str, str]]:
    ops = diff.word_ops(old, new)
    assert "".join(op["old"] for op in ops) == old
    assert "".join(op["new"] for op in ops) == new
    return [(op["op"], op["old"], op["new"]) for op in ops if op["op"] != "equal"]


def _counts(old: str, new: str, language: str) -> tuple[int, int]:
    (change,) = diff.compare({language: old}, {language: new}, old_number=1, new_number=2)
    return change["inserted_words"], change["deleted_words"]


def test_a_one_character_chinese_change_is_one_character() -> None:
    new = ZH.replace("四十八", "四十七")
    assert _changed(ZH, new) == [("replace", "八", "七")]
    assert _counts(ZH, new, "zh") == (1, 1)
    # A clause added before the full stop is that clause, not the whole sentence replaced.
    longer = ZH.replace("。", "，并通知秘书处。")
    assert _changed(ZH, longer) == [("insert", "", "，并通知秘书处")]
    assert _counts(ZH, longer, "zh") == (6, 0)  # six characters; the comma is no word


def test_russian_and_english_differences_stay_words() -> None:
    assert _changed(EN, EN.replace("48", "72")) == [("replace", "48", "72")]
    assert _changed(EN, EN.replace("notify", "report")) == [("replace", "notify", "report")]
    assert _changed(RU, RU.replace("уведомляют", "сообщают")) == [
        ("replace", "уведомляют", "сообщают")
    ]
    assert _counts(RU, RU.replace("за 48 часов", "в течение суток"), "ru") == (3, 3)
    # Punctuation is a token of its own: the word changes, the comma after it stays.
    assert _changed(EN, EN.replace("hours,", "days,")) == [("replace", "hours", "days")]
    assert _counts(EN, EN.replace(", and", "; and"), "en") == (0, 0)


def test_tokens_of_each_script() -> None:
    assert diff.tokens("共享数据，") == ["共", "享", "数", "据", "，"]
    assert diff.tokens("加盟国は２４時間") == ["加", "盟", "国", "は", "２４", "時", "間"]
    assert diff.tokens("แจ้งทันที") == ["แ", "จ้", "ง", "ทั", "น", "ที"]  # Thai, marks kept on
    assert diff.tokens("Государства-члены, 48") == ["Государства", "-", "члены", ",", " ", "48"]
    # A combining mark stays with its letter (Hindi vowel signs, a decomposed й).
    assert diff.tokens("नई दिल्ली।") == ["नई", " ", "दिल्ली", "।"]
    assert diff.tokens("и\u0306од") == ["и\u0306од"]
    assert "".join(diff.tokens(EN + RU + ZH)) == EN + RU + ZH
