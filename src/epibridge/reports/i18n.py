"""The reports' own gettext catalogs (``locale/``), loaded the way the web UI loads its own.

The reports keep separate catalogs so their texts are translated and reviewed with the reports,
not mixed into the UI's. The ``.po`` files are compiled in memory on first use, so a checkout
never renders with a stale ``.mo``.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("en", "ru", "zh")
LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALES = {"en": "en", "ru": "ru", "zh": "zh_Hans_CN"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> Translations:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def fmt_date(value: date | datetime | None, lang: str, form: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format=form, locale=BABEL_LOCALES[lang])


def fmt_number(value: float | int | None, lang: str) -> str:
    if value is None:
        return "–"
    return format_decimal(value, locale=BABEL_LOCALES[lang])
