"""The closed vocabularies of consultations, their documents, decisions and positions."""

from __future__ import annotations

from enum import StrEnum


class ConsultationStatus(StrEnum):
    """A member state may request a consultation; the convenor opens or declines it, and
    closes it when its work is done (a closed consultation takes nothing more)."""

    REQUESTED = "requested"
    DECLINED = "declined"
    OPEN = "open"
    CLOSED = "closed"


class ClosingOutcome(StrEnum):
    """How a consultation ended, as the convenor records it when closing it.

    ``adopted``: it produced adopted documents (at least one); ``no_consensus``: the members
    could not agree; ``withdrawn``: the matter no longer needs consulting (the requesting state
    withdrew, the event is over).
    """

    ADOPTED = "adopted"
    NO_CONSENSUS = "no_consensus"
    WITHDRAWN = "withdrawn"


class ConvenorKind(StrEnum):
    CHAIR = "chair"
    SECRETARIAT = "secretariat"


class ParticipantRole(StrEnum):
    """A member state has a say; an invited observer or partner does not."""

    MEMBER = "member"
    OBSERVER = "observer"


class RecordKind(StrEnum):
    """Minutes are the convenor's; a note is any participant's."""

    MINUTES = "minutes"
    NOTE = "note"


class DocumentKind(StrEnum):
    JOINT_STATEMENT = "joint_statement"
    ACTION_PLAN = "action_plan"
    PROTOCOL = "protocol"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    UNDER_DECISION = "under_decision"
    ADOPTED = "adopted"


class AmendmentStatus(StrEnum):
    PROPOSED = "proposed"
    INCORPORATED = "incorporated"


class Procedure(StrEnum):
    """Consensus needs positions; under the silence procedure a silent state consents."""

    CONSENSUS = "consensus"
    SILENCE = "silence"


class DecisionStatus(StrEnum):
    """A new version withdraws the open decision on the previous one."""

    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Stance(StrEnum):
    """A member state's position on a decision."""

    SUPPORT = "support"
    ABSTAIN = "abstain"
    OBJECT = "object"
