"""What the caller may do now with a request, an offer or a commitment.

Each answer asks the rule the write applies (``check_may_cancel``, ``check_may_withdraw``,
``answer_errors``, ``check_step``, ``authorize_offerer``) and catches its refusal, so a page
offers a button exactly when pressing it would be accepted; nothing here decides on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy.orm import Session

from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, Commitment
from epibridge.assistance.service import common
from epibridge.assistance.service.commitments import check_step, suggest_matches
from epibridge.assistance.service.offers import answer_errors, check_may_withdraw
from epibridge.assistance.service.requests import check_may_cancel
from epibridge.assistance.statuses import COMMITMENT_STEPS, CommitmentStatus
from epibridge.errors import DomainError
from epibridge.security import PermissionDenied, Principal


def _allowed(check: Callable[[], object]) -> bool:
    try:
        check()
    except (DomainError, PermissionDenied):
        return False
    return True


@dataclass(frozen=True)
class RequestAbilities:
    """What the caller may do on a request's page."""

    cancel: bool
    #: Offer in answer: as the caller's own state (the Secretariat: on its own account).
    answer: bool
    #: The offers, among those matching what remains, the caller may pledge from.
    pledge_from: frozenset[int]
    #: Per commitment on the request, the steps the caller may take now.
    steps: dict[int, tuple[CommitmentStatus, ...]]


@dataclass(frozen=True)
class OfferAbilities:
    withdraw: bool
    steps: dict[int, tuple[CommitmentStatus, ...]]


def commitment_steps(
    session: Session, *, actor: Principal, commitment: Commitment
) -> tuple[CommitmentStatus, ...]:
    """The statuses ``actor`` may move ``commitment`` to now, in the order of the steps."""
    request = session.get(AssistanceRequest, commitment.request_id)
    offer = session.get(AssistanceOffer, commitment.offer_id)
    assert request is not None and offer is not None
    return tuple(
        target
        for target in COMMITMENT_STEPS
        if _allowed(lambda t=target: check_step(actor, commitment, request, offer, t))
    )


def _steps(
    session: Session, actor: Principal, commitments: list[Commitment]
) -> dict[int, tuple[CommitmentStatus, ...]]:
    return {c.id: commitment_steps(session, actor=actor, commitment=c) for c in commitments}


def may_answer(actor: Principal, request: AssistanceRequest) -> bool:
    """Whether the caller may offer in answer as its own state (or the Secretariat's account)."""
    state = actor.state
    if not _allowed(lambda: common.authorize_offerer(actor, state)):
        return False
    return not answer_errors(request, state)


def request_abilities(session: Session, *, actor: Principal, request_id: int) -> RequestAbilities:
    request = common.load_request(session, request_id, actor)
    matches = suggest_matches(session, actor=actor, request_id=request.id)
    offers = {cast(int, match["offer_id"]) for match in matches}
    pledge_from = frozenset(
        offer_id
        for offer_id in offers
        if _allowed(
            lambda o=offer_id: common.authorize_offerer(
                actor, common.load_offer(session, o, actor).state
            )
        )
    )
    return RequestAbilities(
        cancel=_allowed(lambda: check_may_cancel(actor, request)),
        answer=may_answer(actor, request),
        pledge_from=pledge_from,
        steps=_steps(session, actor, common.commitments_of(session, request_ids=[request.id])),
    )


def offer_abilities(session: Session, *, actor: Principal, offer_id: int) -> OfferAbilities:
    offer = common.load_offer(session, offer_id, actor)
    return OfferAbilities(
        withdraw=_allowed(lambda: check_may_withdraw(actor, offer)),
        steps=_steps(session, actor, common.commitments_of(session, offer_ids=[offer.id])),
    )
