"""Publishing into the outbox, from any domain's service, inside its own transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Visibility


def publish(
    session: Session,
    *,
    actor: str,
    topic: str,
    entity: str,
    entity_id: str | int,
    payload: dict[str, Any],
    visibility: Visibility = Visibility.MEMBERS,
    states: list[str] | None = None,
    exercise: bool = False,
) -> OutboxMessage:
    """Queue a message for delivery; it is committed (and later sent) only with the caller's change.

    ``topic`` names what happened (``notification.notified``, ``border.status_changed``, ...);
    ``payload`` must be JSON-serializable and is sent as it is.
    """
    message = OutboxMessage(
        id=str(uuid.uuid4()),
        created_at=utcnow(),
        topic=topic,
        visibility=Visibility(visibility).value,
        exercise=exercise,
        states=sorted(set(states or [])),
        entity=entity,
        entity_id=str(entity_id),
        actor=actor,
        payload=audit.json_ready(payload),
    )
    session.add(message)
    session.flush()
    return message
