"""The closed vocabulary of detection signals."""

from __future__ import annotations

from enum import StrEnum


class SignalStatus(StrEnum):
    """An open signal waits for its state: confirmed notifies its draft, dismissed does not."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
