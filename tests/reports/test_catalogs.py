"""The reports' catalogs: every text of the templates and modules is translated into ru and zh."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from epibridge.reports import i18n

ROOT = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=i18n.BABEL_LOCALES[lang])


def test_every_extracted_text_is_translated_with_the_same_placeholders() -> None:
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), METHODS, OPTIONS, keywords={"N_": None, "_": None, "gettext": None}
        )
        if isinstance(message, str)
    }
    assert "Situation report" in extracted and "EXERCISE" in extracted
    for lang in ("en", "ru", "zh"):
        catalog = _catalog(lang)
        for text in extracted:
            entry = catalog.get(text)
            assert entry is not None and entry.string, (lang, text)
            assert sorted(re.findall(r"%\(\w+\)s", entry.string)) == sorted(
                re.findall(r"%\(\w+\)s", text)
            ), (lang, text)
            if lang != "en":
                assert entry.string != text, (lang, text)


def test_translations_load_the_way_the_web_ui_loads_its_own() -> None:
    assert i18n.translations("ru").gettext("3. Epidemic curves") == "3. Эпидемические кривые"
    assert i18n.translations("zh").gettext("3. Epidemic curves") == "3. 流行曲线"
    assert i18n.fmt_number(50000, "ru") == "50\xa0000"
