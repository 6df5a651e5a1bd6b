"""The rules of emergency assistance, split by subject; import them from here."""

from epibridge.assistance.catalogue import catalogue
from epibridge.assistance.service.abilities import (
    OfferAbilities,
    RequestAbilities,
    commitment_steps,
    offer_abilities,
    request_abilities,
)
from epibridge.assistance.service.board import board
from epibridge.assistance.service.commitments import (
    change_status,
    commit,
    get_commitment,
    list_commitments,
    read,
    suggest_matches,
)
from epibridge.assistance.service.offers import create_offer, get_offer, list_offers, withdraw_offer
from epibridge.assistance.service.requests import (
    cancel_request,
    create_request,
    get_request,
    list_requests,
    update_request,
)

__all__ = [
    "OfferAbilities",
    "RequestAbilities",
    "board",
    "cancel_request",
    "catalogue",
    "change_status",
    "commit",
    "commitment_steps",
    "create_offer",
    "create_request",
    "get_commitment",
    "get_offer",
    "get_request",
    "list_commitments",
    "list_offers",
    "list_requests",
    "offer_abilities",
    "read",
    "request_abilities",
    "suggest_matches",
    "update_request",
    "withdraw_offer",
]
