"""JSON Schemas of the federation message bodies, one file per topic (``<topic>.json``).

Generated from the pydantic models the appliers validate bodies with (each topic module's
``BODY_MODELS``), so the published schema and the rule cannot drift apart; a test checks the
files against the models. Regenerate after changing a body:
``python -m epibridge.federation.body_schemas``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from epibridge.federation.messages import SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).parent
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def path_for(topic: str) -> Path:
    return SCHEMA_DIR / f"{topic}.json"


def schema_of(topic: str, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of ``topic``'s body, named for the schema version it belongs to."""
    return {
        "$schema": DIALECT,
        "$id": f"urn:epibridge:federation:{topic}:v{SCHEMA_VERSION}",
        **model.model_json_schema(),
        "title": topic,
    }


def body_models() -> dict[str, type[BaseModel]]:
    """Every topic's body model, from the topic modules the handlers know."""
    from epibridge.federation.handlers import TOPIC_MODULES

    found: dict[str, type[BaseModel]] = {}
    for name in TOPIC_MODULES:
        module = importlib.import_module(f"epibridge.federation.topics.{name}")
        found.update(getattr(module, "BODY_MODELS", {}))
    return found


def rendered(topic: str, model: type[BaseModel]) -> str:
    return json.dumps(schema_of(topic, model), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def load(topic: str) -> dict[str, Any]:
    """The shipped schema of ``topic``'s body."""
    return json.loads(path_for(topic).read_text(encoding="utf-8"))


def write() -> list[Path]:
    """(Re)write every topic's schema file; return the files written."""
    written = []
    for topic, model in sorted(body_models().items()):
        path = path_for(topic)
        path.write_text(rendered(topic, model), encoding="utf-8")
        written.append(path)
    return written
