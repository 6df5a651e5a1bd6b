"""The closed vocabularies of preparedness (WHO's determinations: ``notifications.statuses``)."""

from __future__ import annotations

from enum import StrEnum


class AnswerTime(StrEnum):
    """How soon a state acknowledged a communication test (derived, not stored)."""

    WITHIN_1_HOUR = "within_1_hour"
    WITHIN_24_HOURS = "within_24_hours"
    LATER = "later"
    NOT_AT_ALL = "not_at_all"
