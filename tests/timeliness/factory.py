"""Set-up shared by the timeliness tests: synthetic events notified on chosen days.

Every event here is synthetic test data (titles say so).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.security import Principal
from epibridge.timeliness import service
from epibridge.timeliness.schemas import ActionRecord
from epibridge.timeliness.statuses import ActionOutcome, EarlyAction
from tests.notifications.factory import FP_KAZ, event_body

#: Every event of these tests is notified before this moment; writes happen at it.
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def make_event(
    sessions: sessionmaker[Session],
    *,
    actor: Principal = FP_KAZ,
    onset: date = date(2026, 3, 1),
    detection: date | None = date(2026, 3, 5),
    notified_at: datetime = datetime(2026, 3, 6, 23, 30, tzinfo=UTC),
    **overrides: Any,
) -> int:
    """Create (and notify, unless ``status="draft"``) a synthetic event at ``notified_at``."""
    body = event_body(
        onset_date=onset.isoformat(),
        detection_date=detection.isoformat() if detection else None,
        **overrides,
    )
    with write_session(sessions) as session:
        event = notifications.create(
            session, actor=actor, data=NotificationCreate.model_validate(body), now=notified_at
        )
        return event.id


def record_all(
    sessions: sessionmaker[Session],
    event_id: int,
    days: dict[EarlyAction, date | None],
    *,
    actor: Principal = FP_KAZ,
) -> None:
    """Record each action of ``days``: completed on its day, or not needed when None."""
    with write_session(sessions) as session:
        for action, day in days.items():
            service.record_action(
                session,
                actor=actor,
                event_id=event_id,
                action=action,
                data=ActionRecord(
                    outcome=ActionOutcome.COMPLETED if day else ActionOutcome.NOT_NEEDED,
                    completed_on=day,
                ),
                now=NOW,
            )


def every_action(last: date, *, not_needed: tuple[EarlyAction, ...] = ()) -> dict:
    """All seven actions: the last completed on ``last``, the others the day before it."""
    earlier = date.fromordinal(last.toordinal() - 1)
    days: dict[EarlyAction, date | None] = {a: earlier for a in EarlyAction}
    days[EarlyAction.COORDINATION] = last
    for action in not_needed:
        days[action] = None
    return days
