"""Languages of the browser UI: choosing one per request, catalogs, and locale-aware formats.

Catalogs are the gettext ``.po`` files under ``locale/`` (extracted with Babel from the templates
and the Python modules, see ``babel.cfg``). They are compiled in memory when the app starts, so a
checkout never serves a stale ``.mo``.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("en", "ru", "zh")
DEFAULT = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "zh": "中文"}
LANG_COOKIE = "eb_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALES = {"en": "en", "ru": "ru", "zh": "zh_Hans_CN"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def parse_accept_language(header: str | None) -> str | None:
    """Return the best of our languages in an Accept-Language header, or None."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Pick the language: ``?lang=``, then the remembered choice, then Accept-Language."""
    for candidate in (query, cookie):
        if candidate and candidate in LANGUAGES:
            return candidate
    return parse_accept_language(accept_language) or DEFAULT


@cache
def translations(lang: str) -> Translations:
    """The compiled catalog of ``lang`` (English has one too: it is the reference)."""
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=_BABEL_LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def locale(lang: str) -> Locale:
    return Locale.parse(_BABEL_LOCALES[lang])


def fmt_date(value: date | datetime | None, lang: str, form: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, format=form, locale=_BABEL_LOCALES[lang], tzinfo=UTC)
    return format_date(value, format=form, locale=_BABEL_LOCALES[lang])


def fmt_number(value: float | int | None, lang: str, digits: int | None = None) -> str:
    if value is None:
        return "–"
    if digits is None:
        return format_decimal(value, locale=_BABEL_LOCALES[lang])
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALES[lang])
