"""The catalogue of assistance items (package data), read once on first use."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from epibridge.assistance.schemas import Catalogue, CatalogueItem

#: How an offer made on the organization's own account names its offerer.
SECRETARIAT = "SECRETARIAT"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, CatalogueItem]:
    """The shipped catalogue of items by code."""
    text = (resources.files("epibridge.assistance") / "data" / "catalogue.yaml").read_text(
        encoding="utf-8"
    )
    return {item.code: item for item in Catalogue.model_validate(yaml.safe_load(text)).items}
