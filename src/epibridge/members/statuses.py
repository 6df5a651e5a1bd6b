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
