"""The languages of epibridge's texts, for the web UI, the reports and e-mail alike.

One gettext catalogue per language (``locale/<lang>/LC_MESSAGES/messages.po``, extracted by
Babel with ``babel.cfg`` from the web UI, the reports and the outbox's e-mail), compiled in
memory on first use, so a checkout never renders with a stale ``.mo``. Dates and numbers are
Babel's, in each language's conventions; Accept-Language is negotiated by Babel too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # Babel is imported when first used: every error message imports this module
    from babel import Locale
    from babel.support import Translations

#: The languages of every text: English, and Russian and Chinese, the SCO's working languages.
Language = Literal["en", "ru", "zh"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT = "en"
#: Each language named in itself, for language switchers and choices.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "zh": "中文"}
#: The cookie in which the web UI remembers a language chosen with ``?lang=``.
LANG_COOKIE = "eb_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALES = {"en": "en", "ru": "ru", "zh": "zh_Hans_CN"}
# A language range of RFC 9110 (``*`` or a BCP 47 tag) and its optional weight.
_RANGE = re.compile(r"^(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_WEIGHT = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


#: The calls whose string arguments are message ids, for Babel's extraction (``pybabel
#: extract -k``, as docs/web.md writes it out, and tests/test_i18n.py): the marks, and the
#: errors of ``epibridge.errors`` whose sentences are message ids without a mark.
EXTRACT_KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "N_": None,
    "NP_": ((1, "c"), 2),
    "DomainError": (1,),
    "InvalidInput": (1,),
    "NotFound": (1,),
    "Conflict": (1,),
    "Forbidden": (1,),
    "Unauthenticated": (1,),
    "NoDatabase": (1,),
    "FieldError": (2,),
    "RowError": (4,),
    "InvalidValue": (1,),
}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark a string whose English word has other meanings elsewhere; shown with ``pgettext``."""
    return context, message


def _ranges(header: str) -> list[str]:
    """The header's ranges, most wanted first; refused (q=0) and malformed ones left out."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                quality = float(value) if _WEIGHT.match(value) else 0.0
        tag = tag.replace("_", "-")
        if _RANGE.match(tag) and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(header: str | None) -> str | None:
    """Return the best of our languages for an Accept-Language header, or None.

    Babel matches each range in order of preference, a region or script falling back to its
    language (``zh-Hans-CN`` and ``zh-CN`` are Chinese, ``ru-RU`` Russian); ``*`` and ranges
    we do not have match nothing, so the caller's default applies.
    """
    if not header:
        return None
    from babel.core import negotiate_locale

    found = negotiate_locale(_ranges(header), LANGUAGES, sep="-", aliases=None)
    return found.lower() if found else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Pick the language: ``?lang=``, then the remembered choice, then Accept-Language."""
    for candidate in (query, cookie):
        if candidate and candidate in LANGUAGES:
            return candidate
    return negotiate(accept_language) or DEFAULT


@cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of ``lang`` (English has one too: it is the reference)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


class _Filled(dict[str, str]):
    """Parameters for ``str.format_map``: a placeholder without a value stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Phrase:
    """A parameter that is a message of its own: shown in the language of the one holding it.

    ``Phrase(N_("{choices} or {last}"), {...})`` inside an error's parameters is rendered in
    the reader's language with the error, not in English when the error is made.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: Mapping[str, object] | None = None) -> None:
        self.msgid, self.params = msgid, params

    def __str__(self) -> str:
        return message(self.msgid, self.params)

    def __repr__(self) -> str:
        return f"Phrase({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.msgid, self.params) == (
            other.msgid,
            other.params,
        )

    def __hash__(self) -> int:
        return hash(self.msgid)


class Text(str):
    """An English sentence that remembers its message id and parameters.

    For a reason that travels as a plain string (``text.problem``, a row error's reason)
    before it becomes an error: everything that reads it sees the English, and an error made
    from it (``FieldError(field, reason)``) still translates it, and a message holding it as a
    parameter shows it in the reader's language.
    """

    msgid: str
    params: Mapping[str, object] | None

    def __new__(cls, msgid: str, params: Mapping[str, object] | None = None) -> Text:
        made = super().__new__(cls, message(msgid, params))
        made.msgid, made.params = msgid, params
        return made

    def __reduce__(self) -> tuple[object, ...]:
        return (Text, (self.msgid, self.params))


def _shown(value: object, lang: str) -> str:
    if isinstance(value, Phrase | Text):
        return message(value.msgid, value.params, lang)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_shown(v, lang) for v in value)
    return str(value)


def message(msgid: str, params: Mapping[str, object] | None = None, lang: str = DEFAULT) -> str:
    """A message id in ``lang`` with its ``{name}`` placeholders filled from ``params``.

    The errors' messages (``epibridge.errors``) are rendered here when shown, so the sentence
    is the reader's and only the values are the service's. A translation that does not format
    (a placeholder mistyped in a catalogue) falls back to the English, never to an exception;
    without parameters the text is used as it is, braces and all.
    """
    lang = lang if lang in LANGUAGES else DEFAULT
    text = translations(lang).gettext(msgid)
    if not params:
        return text
    filled = _Filled({key: _shown(value, lang) for key, value in params.items()})
    for candidate in (text, msgid):
        try:
            return candidate.format_map(filled)
        except (ValueError, IndexError, AttributeError, TypeError):
            continue
    return msgid


def localized(record: object, field: str, lang: str) -> str:
    """A text of a record in ``lang`` when the record carries it, else its own.

    Events keep their other languages in ``translations`` (``{"ru": {"title": …}}``); a list
    item that carries only the titles has ``titles`` (``{"ru": …}``). Detection drafts are
    written in the three languages, so a list shows a Russian reader the Russian title.
    """
    translations = getattr(record, "translations", None) or {}
    own = (translations.get(lang) or {}).get(field)
    if not own and field == "title":
        own = (getattr(record, "titles", None) or {}).get(lang)
    return own or getattr(record, field, None) or ""


def text_in(value: object, lang: str) -> str:
    """A reason given as a string (a ``Text`` or a message id) in ``lang``: what a refusal
    carries that is not an ``epibridge.errors`` error (``PermissionDenied``)."""
    if isinstance(value, Text):
        return message(value.msgid, value.params, lang)
    return message(str(value), None, lang)


def locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(BABEL_LOCALES[lang])


def fmt_date(value: date | datetime | None, lang: str, form: str = "medium") -> str:
    """A date, or a moment with its time of day in UTC."""
    from babel.dates import format_date, format_datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, format=form, locale=BABEL_LOCALES[lang], tzinfo=UTC)
    return format_date(value, format=form, locale=BABEL_LOCALES[lang])


def fmt_day(value: date | datetime | None, lang: str, form: str = "medium") -> str:
    """The day alone, of a date or of a moment (its UTC date): what the reports print."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if value.tzinfo else value.date()
    return fmt_date(value, lang, form)


def fmt_number(value: float | int | None, lang: str, digits: int | None = None) -> str:
    from babel.numbers import format_decimal

    if value is None:
        return "–"
    if digits is None:
        return format_decimal(value, locale=BABEL_LOCALES[lang])
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[lang])
