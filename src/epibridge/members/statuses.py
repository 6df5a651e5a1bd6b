"""The closed vocabulary of a state's standing with the organization (account roles:
``security.Role``)."""

from __future__ import annotations

from enum import StrEnum


class MembershipStatus(StrEnum):
    """What a state is to the organization over one period of its history."""

    MEMBER = "member"
    OBSERVER = "observer"
    DIALOGUE_PARTNER = "dialogue_partner"
    PARTNER = "partner"


#: States that may be invited to a consultation or hold an observer account, without a say.
OBSERVING = frozenset(
    {MembershipStatus.OBSERVER, MembershipStatus.DIALOGUE_PARTNER, MembershipStatus.PARTNER}
)


class AccountStanding(StrEnum):
    """Whether an account can sign in and use its tokens now (derived, not stored)."""

    ACTIVE = "active"
    #: Too many wrong passwords: password sign-in refused until ``locked_until``; tokens work.
    LOCKED_OUT = "locked_out"
    #: Locked by an administrator (or deactivated): no sign-in, no token, no delivery.
    LOCKED = "locked"


class TokenState(StrEnum):
    """Where an API token stands (derived from its dates, not stored)."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
