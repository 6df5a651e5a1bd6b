"""Which member states share a land border (package data with its source)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from epibridge.borders.schemas import AdjacencyDocument


@lru_cache(maxsize=1)
def land_borders() -> AdjacencyDocument:
    """Return the shipped table of land borders (read once, on first use)."""
    text = (resources.files("epibridge.borders") / "data" / "land_borders.yaml").read_text(
        encoding="utf-8"
    )
    return AdjacencyDocument.model_validate(yaml.safe_load(text))


def share_land_border(a: str, b: str) -> bool:
    """Whether states ``a`` and ``b`` (ISO3) share a land border."""
    pair = tuple(sorted((a.upper(), b.upper())))
    return any(tuple(sorted(p)) == pair for p in land_borders().pairs)
