"""The shipped JSON Schemas of the notification topics' bodies are those the appliers enforce.

Real bodies (built from real writes) are checked against the files with ``jsonschema_rs``, an
independent validator, in ``test_topics_notifications``; here the files are checked to be
current and to refuse what the appliers refuse.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema_rs
import pytest

from epibridge.federation import body_schemas as schemas
from epibridge.federation.topics import notifications as topic

TOPICS = sorted(topic.BODY_MODELS)


def test_every_topic_has_a_current_schema_file() -> None:
    assert set(TOPICS) == set(topic.APPLIERS)
    for name in TOPICS:
        shipped = schemas.path_for(name).read_text(encoding="utf-8")
        assert shipped == schemas.rendered(name, topic.BODY_MODELS[name]), (
            f"{name}: run python -m epibridge.federation.body_schemas"
        )
        jsonschema_rs.Draft202012Validator(schemas.load(name))  # a well-formed schema


@pytest.mark.parametrize(
    "body",
    [
        {"acknowledgement": {"node": "kaz-node", "id": 0}},  # ids start at 1
        {
            "acknowledgement": {"node": "chn-node", "id": 1},
            "event": {"node": "kaz-node", "id": 1},
            "state": "chn",  # an ISO3 code in capitals
            "at": "2026-12-01T10:00:00+00:00",
            "actor": "user:fp-chn",
        },
        {
            "acknowledgement": {"node": "chn-node", "id": 1},
            "event": {"node": "kaz-node", "id": 1},
            "state": "CHN",
            "at": "2026-12-01T10:00:00+00:00",
            "actor": "user:fp-chn",
            "extra": True,  # unknown fields are refused, not ignored
        },
    ],
)
def test_the_schema_refuses_what_the_applier_refuses(body: dict[str, object]) -> None:
    validator = jsonschema_rs.Draft202012Validator(
        schemas.load(topic.ACKNOWLEDGED), validate_formats=True
    )
    assert not validator.is_valid(body)
    with pytest.raises(ValueError):
        topic.BODY_MODELS[topic.ACKNOWLEDGED].model_validate(body)


def test_the_documented_examples_are_valid_bodies() -> None:
    """Each example of docs/federation-messages.md passes its topic's schema and model."""
    doc = (Path(__file__).parents[2] / "docs" / "federation-messages.md").read_text("utf-8")
    examples = re.findall(r"<!-- topic: ([\w.]+) -->\n```json\n(.*?)\n```", doc, re.S)
    assert {name for name, _ in examples} >= {"notification.notified", "detection.signal_opened"}
    for name, text in examples:
        body = json.loads(text)
        validator = jsonschema_rs.Draft202012Validator(schemas.load(name), validate_formats=True)
        assert not [e.message for e in validator.iter_errors(body)], name
        topic.BODY_MODELS[name].model_validate(body)
