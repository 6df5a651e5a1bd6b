"""The closed vocabularies of federation."""

from __future__ import annotations

from enum import StrEnum


class NodeRole(StrEnum):
    #: The Secretariat's node: keeps and signs the trust list, relays messages.
    HUB = "hub"
    #: A member state's own epibridge.
    NATIONAL = "national"
