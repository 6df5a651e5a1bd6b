"""Shared set-up of the notification tests: principals, a valid event, counting what was written.

Every event here is synthetic test data (titles say so).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow
from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Principal, Role

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_RUS = Principal(user_id=2, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
FP_CHN = Principal(user_id=3, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
SECRETARIAT = Principal(user_id=4, name="sec", role=Role.SECRETARIAT)
OBSERVER = Principal(user_id=5, name="obs-mng", role=Role.OBSERVER, state="MNG")
SYSTEM_KAZ = Principal(user_id=6, name="sys-kaz", role=Role.SYSTEM, state="KAZ")


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid notification body (synthetic)."""
    body: dict[str, Any] = {
        "title": "Synthetic test: cholera cluster in Almaty",
        "disease": "A00",
        "onset_date": (utcnow().date() - timedelta(days=5)).isoformat(),
        "visibility": "members",
        "suspected_cases": 12,
        "confirmed_cases": 3,
        "deaths": 0,
    }
    body.update(overrides)
    return body


def written(sessions: sessionmaker[Session]) -> dict[str, int]:
    """How many events, versions, audit entries and outbox messages exist."""
    with read_session(sessions) as session:
        return {
            table.__name__: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (NotificationEvent, NotificationVersion, AuditEntry, OutboxMessage)
        }


def messages(sessions: sessionmaker[Session], topic: str | None = None) -> list[OutboxMessage]:
    with read_session(sessions) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.created_at)
        if topic:
            query = query.where(OutboxMessage.topic == topic)
        return list(session.execute(query).scalars())


def now_minus(hours: float) -> Any:
    return utcnow() - timedelta(hours=hours)
