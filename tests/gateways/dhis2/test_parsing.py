"""DHIS2 JSON read as JSON Lines (``parsing._lines``) gives the values the standard library reads.

The reference is ``json.loads`` of the same body; the line breaks put between the values must
never change one, whatever a string holds, and a body they cannot cut cleanly is read whole.
"""

from __future__ import annotations

import json

import pytest

from epibridge.gateways.dhis2 import parsing


def _reference(body: bytes) -> list[tuple[str | None, ...]]:
    def text(value: object) -> str | None:
        if value is None:
            return None
        return str(value).lower() if isinstance(value, bool) else str(value)

    values = json.loads(body)["dataValues"]
    return [tuple(text(v.get(c)) for c in parsing.COLUMNS) for v in values]


def _value(**fields: object) -> dict[str, object]:
    return {"dataElement": "d1", "period": "2024W05", "orgUnit": "o1", "value": "3", **fields}


CUT_CLEANLY = {
    "compact": json.dumps({"dataValues": [_value(), _value(value=4)]}, separators=(",", ":")),
    "python's spacing": json.dumps({"dataSet": "x", "dataValues": [_value(), _value(value=5.5)]}),
    "head after the values": json.dumps({"dataValues": [_value()], "period": "2024W06"}),
    "escapes": json.dumps({"dataValues": [_value(comment='\u00e9\\"\n'), _value(value=True)]}),
    "empty": json.dumps({"dataValues": []}),
}
READ_WHOLE = {
    "separator inside a string": json.dumps(
        {"dataValues": [_value(comment='a"}, {"value": "9'), _value(comment="},{")]}
    ),
    "nested values": json.dumps({"dataValues": [_value(value=[{"a": 1}, {"b": 2}])]}),
    "pretty-printed": json.dumps({"dataValues": [_value(), _value()]}, indent=2),
    "a bracket after the values": json.dumps({"dataValues": [_value()], "x": [1]}),
    "the key inside the head": json.dumps({"dataSet": {"dataValues": [1]}, "dataValues": []}),
}


@pytest.mark.parametrize("name", CUT_CLEANLY)
def test_compact_bodies_are_read_as_lines_with_the_same_values(name: str) -> None:
    body = CUT_CLEANLY[name].encode()
    assert parsing._lines(body) is not None
    parsed = parsing.read(body, "application/json")
    assert parsed.values.rows() == _reference(body)
    head = json.loads(body)
    assert parsed.data_set == head.get("dataSet", "")


@pytest.mark.parametrize("name", READ_WHOLE)
def test_bodies_the_breaks_would_cut_wrongly_are_read_whole(name: str) -> None:
    body = READ_WHOLE[name].encode()
    assert parsing._lines(body) is None
    parsed = parsing.read(body, "application/json")
    if name != "nested values":  # a nested value is echoed as JSON text, as sent
        assert parsed.values.rows() == _reference(body)
    assert parsed.values.height == len(json.loads(body)["dataValues"])


def test_a_trailing_comma_is_refused_as_the_standard_library_refuses_it() -> None:
    body = b'{"dataValues": [{"value": "1"},]}'
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(parsing.InvalidInput):
        parsing.read(body, "application/json")
