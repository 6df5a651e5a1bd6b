"""The one rule of publishable text, and the guarantee that every request body applies it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from epibridge.app import create_app
from epibridge.inputs import InputModel
from epibridge.settings import Settings
from epibridge.text import clean, first_disallowed, printable, problem, unsafe_paths

REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\x7f", "\x80", "\x9f"]
REFUSED += ["\ud800", "\udfff", "\ufffe", "\uffff"]
ALLOWED = ["\t", "\n", "\r", " ", "\xa0", "\u2028", "\u2029", "\u202e", "\u0301", "\ufeff"]
ALLOWED += ["\ue000", "\U0010fffd", "\U000e0001", "\u0378", "\ufdd0", "\U0001fffe", "é", "中"]


@pytest.mark.parametrize("char", REFUSED)
def test_refused_characters(char: str) -> None:
    assert first_disallowed(f"ab{char}c") == 2
    assert f"U+{ord(char):04X} at position 2" in (problem(f"ab{char}c") or "")
    assert clean(f"ab{char}c") == "abc"
    assert printable(f"ab{char}c") == f"ab\\u{ord(char):04x}c"


@pytest.mark.parametrize("char", ALLOWED)
def test_allowed_characters(char: str) -> None:
    assert problem(f"a{char}b") is None and clean(f"a{char}b") == f"a{char}b"


def test_unsafe_paths_walks_lists_mappings_keys_and_numbers() -> None:
    value = {"a": ["ok", "b\x00"], "c\x01": 1, "d": {"e": float("nan")}, "f": 1.5}
    found = dict(unsafe_paths(value))
    assert set(found) == {"a[1]", "(key)", "d.e"}
    assert "NaN" in found["d.e"]


class _Inner(InputModel):
    note: str


class _Outer(InputModel):
    title: str
    tags: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)
    inner: _Inner | None = None
    ratio: float = 0.0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "a\x01"}, "title"),
        ({"title": "a", "tags": ["x", "\x00"]}, "tags"),
        ({"title": "a", "extra": {"k": ["\x85"]}}, "extra"),
        ({"title": "a", "inner": {"note": "\ud800"}}, "inner.note"),
        ({"title": "a", "ratio": float("inf")}, "ratio"),
        ({"title": "a", "extra": {"k": float("nan")}}, "extra"),
        ({"title": "a", "extra": {"k": 2**64}}, "extra"),
    ],
)
def test_input_models_refuse_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Outer.model_validate(data)
    assert [".".join(map(str, e["loc"])) for e in caught.value.errors()] == [field]


def test_every_request_body_model_is_an_input_model(tmp_path: Any) -> None:
    """A body model deriving from BaseModel directly would skip the checks: none may."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", var_dir=tmp_path))
    spec = app.openapi()
    components = spec["components"]["schemas"]
    referenced: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and (name := ref.rsplit("/", 1)[1]) not in referenced:
                referenced.add(name)
                walk(components[name])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for operations in spec["paths"].values():
        for operation in operations.values():
            walk(operation.get("requestBody"))
    classes: dict[str, type[BaseModel]] = {}
    stack: list[type[BaseModel]] = [BaseModel]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("epibridge."):
                classes.setdefault(sub.__name__, sub)
            stack.append(sub)
    models = [classes[n] for n in referenced if n in classes]
    assert len(models) > 30
    plain = sorted(m.__name__ for m in models if not issubclass(m, InputModel))
    assert plain == [], f"derive these from epibridge.inputs.InputModel: {plain}"
