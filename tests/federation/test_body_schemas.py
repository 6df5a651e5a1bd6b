"""The shipped JSON Schemas are the appliers' models, and refuse what the appliers refuse."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from epibridge.federation import body_schemas


@pytest.mark.parametrize("topic", sorted(body_schemas.bodies()))
def test_the_shipped_schema_is_the_model(topic: str) -> None:
    model = body_schemas.bodies()[topic]
    shipped = body_schemas.path_of(topic).read_text(encoding="utf-8")
    assert shipped == body_schemas.text_of(topic, model), (
        "run python -m epibridge.federation.body_schemas"
    )
    validator = jsonschema_rs.validator_for(json.loads(shipped))
    assert not validator.is_valid({"unexpected": True})


def test_an_observation_row_with_a_stray_field_is_refused() -> None:
    schema = json.loads(body_schemas.path_of("epidata.observations").read_text())
    row = {
        "area": "",
        "disease": "J11",
        "metric": "cases",
        "classification": "confirmed",
        "age_group": "",
        "sex": "",
        "period_start": "2026-11-02",
        "period_end": "2026-11-08",
        "value": 12,
    }
    body = {
        "submission": {"node": None, "id": "1"},
        "state": "KAZ",
        "level": "totals",
        "synthetic": False,
        "chunk": 1,
        "chunks": 1,
        "rows": [row],
    }
    assert jsonschema_rs.is_valid(schema, body)
    assert not jsonschema_rs.is_valid(schema, {**body, "rows": [{**row, "extra": 1}]})
    assert not jsonschema_rs.is_valid(schema, {**body, "level": "everything"})
