"""libxml2's XML Schema messages as message ids with parameters, so a refused alert says why
in the reader's language.

lxml reports schema errors in libxml2's English (``Element 'status': [facet 'enumeration'] The
value 'Foo' is not an element of the set {...}``). The few forms a CAP alert meets are read
back into their parts here; the element names and values stay as sent. A form not listed keeps
libxml2's sentence inside a translated frame, so the reader still learns it is the schema.
The English message ids are libxml2's own sentences, so English readers see what they saw.
"""

from __future__ import annotations

import re

from epibridge.i18n import N_, Text

_ELEMENT = r"Element '(?P<element>[^']+)': "
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(_ELEMENT + pattern + r"\Z", re.DOTALL), msgid)
    for pattern, msgid in (
        (
            r"\[facet 'enumeration'\] The value '(?P<value>.*)' is not an element of the set "
            r"\{(?P<choices>.*)\}\.",
            N_(
                "Element '{element}': [facet 'enumeration'] The value '{value}' is not an "
                "element of the set {{{choices}}}."
            ),
        ),
        (
            r"\[facet 'pattern'\] The value '(?P<value>.*)' is not accepted by the pattern "
            r"'(?P<pattern>.*)'\.",
            N_(
                "Element '{element}': [facet 'pattern'] The value '{value}' is not accepted "
                "by the pattern '{pattern}'."
            ),
        ),
        (
            r"'(?P<value>.*)' is not a valid value of the local atomic type\.",
            N_("Element '{element}': '{value}' is not a valid value of the local atomic type."),
        ),
        (
            r"'(?P<value>.*)' is not a valid value of the atomic type '(?P<type>[^']*)'\.",
            N_("Element '{element}': '{value}' is not a valid value of the atomic type '{type}'."),
        ),
        (
            r"This element is not expected\. Expected is \( (?P<expected>.*) \)\.",
            N_("Element '{element}': This element is not expected. Expected is ( {expected} )."),
        ),
        (
            r"This element is not expected\. Expected is one of \( (?P<expected>.*) \)\.",
            N_(
                "Element '{element}': This element is not expected. Expected is one of "
                "( {expected} )."
            ),
        ),
        (
            r"This element is not expected\.",
            N_("Element '{element}': This element is not expected."),
        ),
        (
            r"Missing child element\(s\)\. Expected is \( (?P<expected>.*) \)\.",
            N_("Element '{element}': Missing child element(s). Expected is ( {expected} )."),
        ),
        (
            r"Missing child element\(s\)\. Expected is one of \( (?P<expected>.*) \)\.",
            N_("Element '{element}': Missing child element(s). Expected is one of ( {expected} )."),
        ),
        (
            r"Character content other than whitespace is not allowed because the content type "
            r"is 'element-only'\.",
            N_(
                "Element '{element}': Character content other than whitespace is not allowed "
                "because the content type is 'element-only'."
            ),
        ),
    )
)


def schema_reason(message: str) -> Text:
    """One libxml2 schema message as a translatable reason (its values kept as sent)."""
    for pattern, msgid in _FORMS:
        found = pattern.match(message)
        if found:
            params = {k: v for k, v in found.groupdict().items() if v is not None}
            return Text(msgid, params)
    return Text(N_("the CAP 1.2 schema refuses it: {error}"), {"error": message})
