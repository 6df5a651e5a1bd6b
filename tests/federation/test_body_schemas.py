"""The shipped JSON Schemas of feddata's topics are the appliers' models, and refuse what the
appliers refuse (real bodies are checked against them in every topic test: ``twonodes.export``).
"""

from __future__ import annotations

import jsonschema_rs
import pytest

from epibridge.federation import body_schemas
from epibridge.federation.topics import assistance, consultations, epidata

MODELS = {**epidata.BODY_MODELS, **assistance.BODY_MODELS, **consultations.BODY_MODELS}


@pytest.mark.parametrize("topic", sorted(MODELS))
def test_the_shipped_schema_is_the_model(topic: str) -> None:
    shipped = body_schemas.path_for(topic).read_text(encoding="utf-8")
    assert shipped == body_schemas.rendered(topic, MODELS[topic]), (
        "run python -m epibridge.federation.body_schemas"
    )
    validator = jsonschema_rs.Draft202012Validator(body_schemas.load(topic))
    assert not validator.is_valid({"unexpected": True})


ROW = {
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
BODY = {
    "submission": {"node": "kaz-node", "id": "1"},
    "state": "KAZ",
    "level": "totals",
    "synthetic": False,
    "chunk": 1,
    "chunks": 1,
    "rows": [ROW],
}


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "rows": [{**ROW, "extra": 1}]},
        {**BODY, "level": "everything"},
        {**BODY, "rows": [{**ROW, "period_start": "2026-13-01"}]},
        {**BODY, "chunk": 0},
    ],
)
def test_the_observations_schema_refuses_what_the_applier_refuses(body: dict) -> None:
    validator = jsonschema_rs.Draft202012Validator(
        body_schemas.load(epidata.TOPIC), validate_formats=True
    )
    assert validator.is_valid(BODY)
    assert not validator.is_valid(body)
    with pytest.raises(ValueError):
        epidata.ObservationsBody.model_validate(body)


def test_the_examples_of_the_doc_validate() -> None:
    import json
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "federation-sharing.md"
    blocks = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    topics = ["epidata.observations", "assistance.commitment", "assistance.receipt"]
    assert len(blocks) == len(topics)
    for topic, block in zip(topics, blocks, strict=True):
        validator = jsonschema_rs.Draft202012Validator(
            body_schemas.load(topic), validate_formats=True
        )
        validator.validate(json.loads(block))
