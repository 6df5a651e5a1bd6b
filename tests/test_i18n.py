"""The one catalogue (web UI, reports, e-mail) is complete in every language, and the language
is chosen as documented (Accept-Language negotiated by Babel); dates and numbers follow it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from epibridge import i18n

ROOT = Path(i18n.__file__).parent
KEYWORDS = {**DEFAULT_KEYWORDS, **i18n.EXTRACT_KEYWORDS}
Key = str | tuple[str, ...]


def _extracted(under: str = "") -> dict[tuple[Key, str | None], str]:
    """Every marked string of the sources babel.cfg names (as the docs' pybabel does): its file."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[tuple[Key, str | None], str] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        if filename.startswith(under):
            key = tuple(message) if isinstance(message, list | tuple) else message
            found[(key, context)] = filename
    return found


def _catalog(lang: str) -> Catalog:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=i18n.BABEL_LOCALES[lang])


def _entries(lang: str) -> dict[tuple[str, str | None], str | tuple[str, ...]]:
    return {
        (m.id if isinstance(m.id, str) else m.id[0], m.context): m.string
        for m in _catalog(lang)
        if m.id
    }


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]", text))


def _braces(text: str) -> list[str]:
    return sorted(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_string_of_web_reports_and_email_is_in_the_catalog(lang: str) -> None:
    extracted = _extracted()
    assert len(extracted) > 150
    strings = {key for key, _ in extracted}
    assert "Situation report" in strings and "EXERCISE" in strings  # the reports'
    assert "Sign in" in strings and "Title:      %(title)s" in strings  # the UI's, e-mail's
    entries = _entries(lang)
    missing = sorted(
        str(key)
        for key, context in extracted
        if ((key if isinstance(key, str) else key[0]), context) not in entries
    )
    assert not missing, f"{lang} catalog lacks {missing}: run pybabel extract/update (docs/web.md)"


def test_the_three_languages_have_the_same_keys() -> None:
    keys = {lang: set(_entries(lang)) for lang in i18n.LANGUAGES}
    assert keys["en"] == keys["ru"] == keys["zh"]


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_entry_is_translated(lang: str) -> None:
    untranslated = []
    for (msgid, _context), text in _entries(lang).items():
        strings = text if isinstance(text, tuple) else (text,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(msgid)
        elif "%(" in msgid:
            # A placeholder lost in translation would show the raw format or crash.
            for name in [p.split(")")[0] for p in msgid.split("%(")[1:]]:
                assert f"%({name})" in strings[0], (lang, msgid)
        # An error message's {name} placeholders (epibridge.errors) survive translation too.
        assert _braces(strings[0]) == _braces(msgid), (lang, msgid)
    assert not untranslated, f"{lang}: untranslated {untranslated}"
    # Translations differ from the English text for ordinary words.
    assert _entries(lang)[("Sign in", None)] != "Sign in"


def test_report_texts_are_translated_with_the_same_placeholders() -> None:
    extracted = [(key, context) for key, context in _extracted("reports") if isinstance(key, str)]
    assert ("Situation report", None) in extracted and ("Moderate", "risk level") in extracted
    for lang in i18n.LANGUAGES:
        entries = _entries(lang)
        for text, context in extracted:
            entry = entries.get((text, context))
            assert isinstance(entry, str) and entry, (lang, text)
            assert _placeholders(entry) == _placeholders(text), (lang, text)
            if lang != "en":
                assert entry != text, (lang, text)


def test_compiled_catalogs_translate() -> None:
    assert i18n.translations("ru").gettext("Sign in") == "Войти"
    assert i18n.translations("zh").gettext("Sign in") == "登录"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"
    assert i18n.translations("ru").gettext("3. Epidemic curves") == "3. Эпидемические кривые"
    assert i18n.translations("zh").gettext("3. Epidemic curves") == "3. 流行曲线"
    # One English word, two meanings: a consequence in the UI, a risk level in the reports.
    assert i18n.translations("ru").gettext("Moderate") == "Умеренные"
    assert i18n.translations("ru").pgettext("risk level", "Moderate") == "Умеренный"
    assert i18n.translations("zh").gettext("(untitled)") == "（无标题）"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("ru", "zh", "en", "ru"),
        (None, "zh", "ru-RU,ru;q=0.9", "zh"),
        ("xx", None, "zh-CN,zh;q=0.9,en;q=0.5", "zh"),
        (None, None, "de-DE, ru;q=0.3, en;q=0.2", "ru"),
        (None, None, "de-DE", "en"),
        (None, None, None, "en"),
        (None, "fr", "en;q=0.1, zh;q=0", "en"),
        (None, None, "ru-RU,ru;q=0.9", "ru"),
        (None, None, "zh-Hans-CN", "zh"),
        (None, None, "zh-CN", "zh"),
        (None, None, "ZH-cn", "zh"),
        (None, None, "ru_RU", "ru"),
        (None, None, "*", "en"),
        (None, None, "x-klingon, *;q=0.5", "en"),
        (None, None, "garbage;;;,,, \x00ru", "en"),
        (None, None, "ru;q=abc, zh;q=2", "en"),
        (None, None, "ru;q=0", "en"),
        (None, None, "ru;q=0, zh;q=0.001", "zh"),
        (None, None, "en;q=0.5, ru;level=1;q=0.6", "ru"),
        (None, None, "", "en"),
    ],
)
def test_language_choice_order(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.choose(query, cookie, header) == expected


def test_dates_and_numbers_follow_the_language() -> None:
    day = date(2024, 7, 4)
    assert i18n.fmt_date(day, "en") == "Jul 4, 2024"
    assert i18n.fmt_date(day, "ru") == "4 июл. 2024\u202fг."
    assert i18n.fmt_date(day, "zh") == "2024年7月4日"
    assert i18n.fmt_number(1234567, "en") == "1,234,567"
    assert i18n.fmt_number(1234567, "ru") == "1\xa0234\xa0567"
    assert i18n.fmt_number(12.5, "ru", 2) == "12,50"
    assert i18n.fmt_number(1234567, "zh") == "1,234,567"
    assert i18n.fmt_number(50000, "ru") == "50\xa0000"
    # A moment shows its UTC time in the UI; the reports print its day alone.
    moment = datetime(2024, 7, 4, 23, 30, tzinfo=UTC)
    assert i18n.fmt_date(moment, "en") == "Jul 4, 2024, 11:30:00\u202fPM"
    assert i18n.fmt_day(moment, "ru") == "4 июл. 2024\u202fг."


GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def _glossary_table(heading: str) -> list[list[str]]:
    """The rows of the table under ``## heading`` in docs/glossary.md (header row left out)."""
    text = GLOSSARY.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ")[0]
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def test_the_catalogues_use_the_glossary_terms() -> None:
    rows = _glossary_table("Checked in the catalogues")
    assert len(rows) >= 30
    entries = {lang: _entries(lang) for lang in ("ru", "zh")}
    wrong = []
    for msgid, ru, zh in rows:
        for lang, term in (("ru", ru), ("zh", zh)):
            text = entries[lang].get((msgid, None))
            assert isinstance(text, str), f"{msgid!r} is not in the {lang} catalogue"
            if term.lower() not in text.lower():
                wrong.append(f"{lang} {msgid!r}: {text!r} lacks {term!r}")
    assert not wrong, "\n".join(wrong)


def test_the_catalogues_avoid_the_words_the_glossary_rules_out() -> None:
    rows = _glossary_table("Words to avoid")
    assert {lang for _, _, lang, _ in rows} == {"ru", "zh"}
    found = []
    for english, avoid, lang, _why in rows:
        # A whole word in Russian (взаимопомощь is not помощь), anywhere in Chinese.
        pattern = re.compile(
            (r"(?<![а-яё])" if lang == "ru" else "") + re.escape(avoid), re.IGNORECASE
        )
        for (msgid, _context), text in _entries(lang).items():
            strings = text if isinstance(text, tuple) else (text,)
            if english in msgid and any(pattern.search(s) for s in strings):
                found.append(f"{lang} {msgid!r}: {strings[0]!r} uses {avoid!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "line 3: ppe-gloves is counted in pair, not box"),
        ("ru", "строка 3: ppe-gloves учитывается в единицах «pair», а не «box»"),
        ("zh", "第 3 行：ppe-gloves 的计量单位是 pair，不是 box"),
    ],
)
def test_a_message_is_rendered_in_the_readers_language_with_its_parameters(
    lang: str, expected: str
) -> None:
    from epibridge.errors import FieldError, InvalidInput

    params = {"line": 3, "item": "ppe-gloves", "unit": "pair", "given": "box"}
    error = FieldError(
        "lines.2.unit",
        "line {line}: {item} is counted in {unit}, not {given}",
        "box",
        params=params,
    )
    refusal = InvalidInput("the request is not valid", [error])
    assert error.message_in(lang) == expected
    assert refusal.errors[0].as_dict(lang) == {
        "field": "lines.2.unit",
        "message": expected,
        "value": "box",
    }
    # what logs and the CLI show, and what callers compared before, stays the English
    assert error.message == "line 3: ppe-gloves is counted in pair, not box"
    assert (
        str(refusal)
        == "the request is not valid (lines.2.unit: line 3: ppe-gloves is counted in pair, not box)"
    )
    assert refusal.detail_in(lang) == i18n.translations(lang).gettext("the request is not valid")


def test_nested_phrases_and_texts_follow_the_reader() -> None:
    from epibridge.errors import FieldError
    from epibridge.text import problem

    reason = problem("a\x00b")
    assert isinstance(reason, i18n.Text) and reason.startswith("U+0000 at position 1: control")
    error = FieldError("title", reason)
    assert error.message_in("ru").startswith("U+0000 в позиции 1: управляющие символы")
    assert error.message_in("zh").startswith("位置 1 的 U+0000：不接受控制字符")
    choices = i18n.Phrase("{choices} or {last}", {"choices": "'a', 'b'", "last": "'c'"})
    assert i18n.message("Input should be {expected}", {"expected": choices}, "ru") == (
        "Ожидается 'a', 'b' или 'c'"
    )


def test_a_broken_translation_falls_back_to_english_not_to_an_error() -> None:
    catalog = i18n.translations("ru")
    msgid = "no commitment {id}"
    original = catalog._catalog[msgid]
    catalog._catalog[msgid] = "обязательства {nomer} нет {"  # a placeholder mistyped
    try:
        assert i18n.message(msgid, {"id": 7}, "ru") == "no commitment 7"
    finally:
        catalog._catalog[msgid] = original
    assert i18n.message(msgid, {"id": 7}, "ru") == "обязательства 7 нет"
    # without parameters a text is used as written, braces and all
    assert i18n.message("{not a placeholder}", None, "zh") == "{not a placeholder}"
    assert i18n.message("no commitment {id}", {}, "xx") == "no commitment {id}"
