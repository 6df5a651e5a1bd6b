"""The fast canonical path writes and accepts exactly what the ``rfc8785`` library does.

``rfc8785`` (an independent implementation of RFC 8785) is the reference: on generated JSON
values, including floats, large integers, keys above U+E000, astral characters, control
characters and lone surrogates, both paths give the same bytes or both refuse.
"""

from __future__ import annotations

import json

import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epibridge.federation import canonical

_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\ue000", "\uffff", "\U0001f600"]),
    ),
    max_size=12,
)
#: Keys from a few characters, so one object often mixes BMP-high and astral keys (the case
#: where code-point and UTF-16 order disagree).
_keys = st.one_of(_text, st.text(alphabet="a\ue000\uffff\U0001f600\u00e9", max_size=3))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)
    ),
    max_leaves=20,
)


def _reference_accepts(data: bytes) -> bool:
    """What the reference accepts: JSON whose RFC 8785 form is the very bytes."""
    try:
        return rfc8785.dumps(json.loads(data.decode("utf-8"))) == data
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError):
        return False


def _reference(value: object) -> bytes | None:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return None


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_values)
def test_dumps_matches_rfc8785(value: object) -> None:
    expected = _reference(value)
    if expected is None:
        try:
            canonical.dumps(value)
        except canonical.NotCanonical:
            return
        raise AssertionError("rfc8785 refuses this value but dumps wrote it")
    assert canonical.dumps(value) == expected


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_values, st.sampled_from(["canonical", "spaced", "unsorted", "ascii"]))
def test_loads_canonical_accepts_exactly_the_rfc8785_bytes(value: object, form: str) -> None:
    reference = _reference(value)
    if reference is None:
        return
    parsed = json.loads(reference)
    if form == "canonical":
        data = reference
    elif form == "spaced":
        data = json.dumps(parsed, ensure_ascii=False, sort_keys=True).encode("utf-8", "replace")
    elif form == "unsorted":
        data = json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8", "replace"
        )
    else:
        data = json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    accepted = _reference_accepts(data)
    try:
        got = canonical.loads_canonical(data)
    except canonical.NotCanonical:
        assert not accepted
        return
    assert accepted
    assert data == reference
    assert rfc8785.dumps(got) == reference


def test_keys_whose_orders_disagree_after_a_common_prefix_are_sorted_by_utf16() -> None:
    """Code-point order puts U+E000 first, UTF-16 order the astral character (a surrogate)."""
    value = {"0\U00010000": None, "0\ue000": None}
    assert canonical.dumps(value) == rfc8785.dumps(value)
    assert canonical.loads_canonical(rfc8785.dumps(value)) == value


def test_the_fast_path_is_taken_for_a_message_body_and_refuses_lookalikes() -> None:
    body = {"title": "Вспышка 爆发", "n": 3, "ok": True, "none": None, "list": [1, 'a\n"b\\']}
    data = rfc8785.dumps(body)
    assert canonical.dumps(body) == data
    assert canonical.loads_canonical(data) == body
    lookalikes = (b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-0}', b'{"a":1E2}', b'{"a":"\\u0041"}')
    for lookalike in lookalikes:
        try:
            canonical.loads_canonical(lookalike)
        except canonical.NotCanonical:
            continue
        raise AssertionError(lookalike)
