"""The shipped JSON Schemas of the notification topics' bodies are those the appliers enforce.

Real bodies (built from real writes) are checked against the files with ``jsonschema_rs``, an
independent validator, in ``test_topics_notifications``; here the files are checked to be
current and to refuse what the appliers refuse.
"""

from __future__ import annotations

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
