"""The closed vocabulary of what a search finds."""

from __future__ import annotations

from enum import StrEnum


class SearchKind(StrEnum):
    """What a hit is, in the order results come: events first, consultations last."""

    EVENT = "event"
    SIGNAL = "signal"
    REQUEST = "request"
    CONSULTATION = "consultation"
