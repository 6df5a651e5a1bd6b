"""Which structures a structure query returns: SDMX REST's resource, ids and ``references``.

The structures form one small graph: the dataflow uses the data structure definition, which
uses the concept scheme and the code lists. ``children`` and ``descendants`` go down it,
``parents`` up, ``parentsandsiblings`` up and back down, ``all`` is every structure.
"""

from __future__ import annotations

from dataclasses import dataclass

from epibridge.errors import FieldError, NotFound
from epibridge.gateways.sdmx.model import FLOW, SCHEME, VERSION, Structures
from epibridge.gateways.sdmx.query import BadQuery
from epibridge.i18n import N_

RESOURCES = ("dataflow", "datastructure", "conceptscheme", "codelist")
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all")
ANY = ("all", "latest", "*")
_EVERYTHING = frozenset(RESOURCES)
_BELOW = {
    "dataflow": ("datastructure",),
    "datastructure": ("conceptscheme", "codelist"),
    "conceptscheme": (),
    "codelist": (),
}
_ABOVE = {
    "dataflow": (),
    "datastructure": ("dataflow",),
    "conceptscheme": ("datastructure",),
    "codelist": ("datastructure",),
}


@dataclass(frozen=True)
class Selection:
    kinds: frozenset[str]
    codelists: tuple[str, ...]


def _descendants(resource: str) -> set[str]:
    found: set[str] = set()
    for child in _BELOW[resource]:
        found |= {child, *_descendants(child)}
    return found


def _kinds(resource: str, references: str) -> set[str]:
    if references == "all":
        return set(_EVERYTHING)
    if references == "children":
        return {resource, *_BELOW[resource]}
    if references == "descendants":
        return {resource, *_descendants(resource)}
    parents = set(_ABOVE[resource])
    if references == "parents":
        return {resource, *parents}
    if references == "parentsandsiblings":
        return {resource, *parents, *(k for p in parents for k in _BELOW[p])}
    return {resource}


def select(
    structures: Structures,
    *,
    resource: str,
    agency: str = "all",
    resource_id: str = "all",
    version: str = "latest",
    references: str = "none",
) -> Selection:
    """The structures asked for, or a 404 naming the agency, id or version that is unknown."""
    if references not in REFERENCES:
        raise BadQuery(
            N_("references must be one of {choices}"),
            [FieldError("references", N_("unknown value"), references)],
            params={"choices": REFERENCES},
        )
    own_ids = {
        "dataflow": [FLOW],
        "datastructure": [FLOW],
        "conceptscheme": [SCHEME],
        "codelist": list(structures.codelists),
    }[resource]
    for name, value, known in (
        ("agencyID", agency, [structures.agency]),
        ("resourceID", resource_id, own_ids),
        ("version", version, [VERSION]),
    ):
        if value not in (*ANY, *known):
            raise NotFound(
                N_("no {resource} with {name} {value}"),
                [FieldError(name, N_("not found"), value)],
                params={"resource": resource, "name": name, "value": value},
            )
    kinds = _kinds(resource, references)
    asked = own_ids if resource_id in ANY else [resource_id]
    every = resource != "codelist" or references in ("parentsandsiblings", "all")
    return Selection(frozenset(kinds), tuple(structures.codelists) if every else tuple(asked))
