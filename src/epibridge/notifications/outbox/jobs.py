"""What the worker passes around: claimed jobs, their outcomes, and what a claim may take.

Plain values, usable outside any session (sending happens after the claim's commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class MessageView:
    """What is sent of a message (a plain copy, usable outside the session)."""

    id: str
    topic: str
    created_at: datetime
    visibility: str
    exercise: bool
    states: list[str]
    entity: str
    entity_id: str
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "created_at": self.created_at.isoformat(),
            "visibility": self.visibility,
            "exercise": self.exercise,
            "states": self.states,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "payload": self.payload,
        }


@dataclass(frozen=True)
class Job:
    """One claimed delivery, ready to be sent."""

    delivery_id: int
    subscription_id: int
    kind: str
    url: str | None
    email: str | None
    language: str
    secret: str | None
    attempt: int
    message: MessageView


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt."""

    delivery_id: int
    ok: bool
    at: datetime
    permanent: bool = False
    error: str | None = None
    status_code: int | None = None


@dataclass(frozen=True)
class ClaimSpec:
    """Who claims, for how long, and how many: ``limit`` in all, at most ``per_endpoint`` jobs
    per subscription counting the ``busy`` ones this worker already holds."""

    worker_id: str
    limit: int
    lease: timedelta
    per_endpoint: int | None = None
    busy: Mapping[int, int] = field(default_factory=dict)

    def take(self, subscription_id: int, taken: dict[int, int]) -> bool:
        """Count one more job for ``subscription_id`` if the endpoint has room; say so."""
        if self.per_endpoint is not None:
            held = self.busy.get(subscription_id, 0) + taken.get(subscription_id, 0)
            if held >= self.per_endpoint:
                return False
        taken[subscription_id] = taken.get(subscription_id, 0) + 1
        return True


@dataclass
class FanOut:
    messages: int = 0
    created: int = 0
    jobs: list[Job] = field(default_factory=list)
