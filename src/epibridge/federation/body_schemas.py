"""The JSON Schemas of feddata's message bodies, shipped as files beside this module.

Each topic's body is a pydantic model (the appliers validate with it); its JSON Schema is
written to ``schemas/<topic>.schema.json`` so a peer implementation can validate bodies
without epibridge. ``python -m epibridge.federation.body_schemas`` rewrites the files; a test
checks they match the models and that the bodies the builders make validate against them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

SCHEMA_DIR = Path(__file__).parent / "schemas"


def bodies() -> dict[str, type[BaseModel]]:
    from epibridge.federation.topics import assistance, consultations, epidata

    return {**epidata.BODIES, **assistance.BODIES, **consultations.BODIES}


def path_of(topic: str) -> Path:
    return SCHEMA_DIR / f"{topic}.schema.json"


def schema_of(topic: str, model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://epibridge.example/federation/schemas/{topic}.schema.json",
        **schema,
    }


def text_of(topic: str, model: type[BaseModel]) -> str:
    return json.dumps(schema_of(topic, model), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for topic, model in sorted(bodies().items()):
        path = path_of(topic)
        path.write_text(text_of(topic, model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_all():
        print(written)
