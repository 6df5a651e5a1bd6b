"""The catalogue of assistance items (package data), read once on first use.

The catalogue names its items, units and categories in English and in the other languages of
the organization; a page, a report or a command shows them in its reader's language with
``item_name`` and ``unit_name`` (the stored lines keep the codes).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from epibridge.assistance.schemas import Catalogue, CatalogueItem

#: How an offer made on the organization's own account names its offerer.
SECRETARIAT = "SECRETARIAT"


@lru_cache(maxsize=1)
def shipped() -> Catalogue:
    """The shipped catalogue document: items, and the units' and categories' names."""
    text = (resources.files("epibridge.assistance") / "data" / "catalogue.yaml").read_text(
        encoding="utf-8"
    )
    return Catalogue.model_validate(yaml.safe_load(text))


@lru_cache(maxsize=1)
def catalogue() -> dict[str, CatalogueItem]:
    """The shipped catalogue of items by code."""
    return {item.code: item for item in shipped().items}


def item_name(code: str, lang: str = "en") -> str:
    """An item's name in ``lang`` (English where it has none; the code for an unknown item)."""
    item = catalogue().get(code)
    if item is None:
        return code
    return item.names.get(lang) or item.name


def unit_name(unit: str, lang: str = "en") -> str:
    """A unit's name in ``lang`` (the unit's code, which is English, where it has none)."""
    return shipped().units.get(unit, {}).get(lang) or unit


def category_name(category: str, lang: str = "en") -> str:
    return shipped().categories.get(category, {}).get(lang) or category
