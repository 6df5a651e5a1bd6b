"""What a principal may do with one event now: the buttons a face offers.

The services enforce each rule when the action is taken (and answer 403, 404 or 409 with the
reason); this asks the same questions of ``security.decide`` beforehand, so that a page shows
a focal point the "Notify" of its own draft and not of another state's, without a rule of its
own. A face that offers an action this refuses, or the reverse, is a bug here, not there.
"""

from __future__ import annotations

from epibridge.notifications.schemas import NotificationRead
from epibridge.notifications.service.common import may_write
from epibridge.notifications.statuses import LIVE_STATUSES, PRIVATE_STATUSES, EventStatus
from epibridge.security import Action, Principal, Role, decide

#: Every action a face may offer on an event.
ACTIONS = (
    "notify",
    "discard",
    "edit_draft",
    "update",
    "close",
    "acknowledge",
    "assess",
    "comment",
    "remind",
    "request_verification",
    "answer_verification",
)


def _own(principal: Principal, event: NotificationRead) -> set[str]:
    """What the notifying state (or the Secretariat on its behalf) does with its event.

    Nothing, on a replica of another node's event: it is changed on its origin node only.
    """
    if event.origin_node is not None or not may_write(principal, event.state):
        return set()
    found: set[str] = set()
    if event.status == EventStatus.DRAFT:
        found |= {"notify", "discard", "edit_draft"}
    if event.status in LIVE_STATUSES:
        found |= {"update", "close"}
        if any(v.answered_at is None for v in event.verifications):
            found.add("answer_verification")
    return found


def _others(principal: Principal, event: NotificationRead) -> set[str]:
    """What other states and the Secretariat do with a notified event."""
    found: set[str] = set()
    contributes = decide(principal, Action.CONTRIBUTE).allowed
    if contributes:
        found.add("comment")
    if event.status in PRIVATE_STATUSES:
        return found
    if contributes and principal.state in event.acknowledgements.pending:
        found.add("acknowledge")
    if contributes and (principal.state or principal.role is Role.SECRETARIAT):
        found.add("assess")
    secretariat = principal.role is Role.SECRETARIAT
    coordinates = secretariat and decide(principal, Action.COORDINATE).allowed
    if event.acknowledgements.pending and (
        coordinates or (not secretariat and may_write(principal, event.state))
    ):
        found.add("remind")
    others_state = principal.state is not None and principal.state != event.state
    if event.status in LIVE_STATUSES and (
        coordinates or (not secretariat and contributes and others_state)
    ):
        found.add("request_verification")
    return found


def actions(actor: Principal, event: NotificationRead) -> frozenset[str]:
    """The actions of ``ACTIONS`` that ``actor`` may take on ``event`` (read with ``get``)."""
    return frozenset(_own(actor, event) | _others(actor, event))
