"""The closed vocabularies of event notifications (who may see one: ``security.Visibility``)."""

from __future__ import annotations

from enum import StrEnum


class EventStatus(StrEnum):
    """Where an event is in its life; each notification, update and closure is also a version.

    A version's ``kind`` is the status the event took with it, so never ``draft``.
    """

    DRAFT = "draft"
    NOTIFIED = "notified"
    UPDATED = "updated"
    CLOSED = "closed"
    #: A draft its state decided not to notify: kept (with its reason) rather than deleted, so
    #: the audit trail and a detection signal that opened it still point at something.
    DISCARDED = "discarded"


#: What a version can be: a draft has none.
VERSION_KINDS = (EventStatus.NOTIFIED, EventStatus.UPDATED, EventStatus.CLOSED)
#: What a new event can start as.
START_STATUSES = (EventStatus.DRAFT, EventStatus.NOTIFIED)
#: Events that other states see and that can still change (updates, verification).
LIVE_STATUSES = (EventStatus.NOTIFIED, EventStatus.UPDATED)
#: Events never notified: only their own state (and the Secretariat) sees them.
PRIVATE_STATUSES = (EventStatus.DRAFT, EventStatus.DISCARDED)


class EventMode(StrEnum):
    """Whether an event is real or a drill (CAP ``status`` Actual, Exercise, Test)."""

    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"


class CloseKind(StrEnum):
    """Why an event was closed: over (CAP Update, AllClear) or withdrawn (CAP Cancel)."""

    ENDED = "ended"
    WITHDRAWN = "withdrawn"


class WhoDetermination(StrEnum):
    """WHO's determination on an event under the IHR as amended in 2024 (articles 1 and 12).

    A pandemic emergency is a kind of PHEIC (the amended article 1); only the Secretariat
    records either (``preparedness.service.record_determination``).
    """

    NONE = "none"
    PHEIC = "pheic"
    PANDEMIC_EMERGENCY = "pandemic_emergency"
