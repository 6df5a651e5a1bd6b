"""Catalogs are complete (every string of the templates and modules, translated in ru and zh)
and the language is chosen as documented; dates and numbers follow the language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from epibridge.web import i18n

WEB = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _extracted() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, OPTIONS, keywords=KEYWORDS
    ):
        found.add(tuple(message) if isinstance(message, list | tuple) else message)
    return found


def _catalog(lang: str) -> dict[str | tuple[str, ...], str | tuple[str, ...]]:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_ui_string_is_in_the_catalog(lang: str) -> None:
    extracted = _extracted()
    assert len(extracted) > 150
    catalog = _catalog(lang)
    missing = sorted(str(m) for m in extracted if m not in catalog)
    assert not missing, f"{lang} catalog lacks {missing}: run pybabel extract/update (docs/web.md)"


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_entry_is_translated(lang: str) -> None:
    untranslated = []
    for msgid, text in _catalog(lang).items():
        strings = text if isinstance(text, tuple) else (text,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(msgid)
        elif isinstance(msgid, str) and "%(" in msgid:
            # A placeholder lost in translation would show the raw format or crash.
            for name in [p.split(")")[0] for p in msgid.split("%(")[1:]]:
                assert f"%({name})" in strings[0], (lang, msgid)
    assert not untranslated, f"{lang}: untranslated {untranslated}"
    # Translations differ from the English text for ordinary words.
    assert _catalog(lang)["Sign in"] != "Sign in"


def test_compiled_catalogs_translate() -> None:
    assert i18n.translations("ru").gettext("Sign in") == "Войти"
    assert i18n.translations("zh").gettext("Sign in") == "登录"
    assert i18n.translations("en").gettext("Sign in") == "Sign in"


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
