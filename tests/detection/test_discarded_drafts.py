"""A detection draft the state discards, then confirms after all; and the draft's counts.

Every series is synthetic (``tests.detection.system``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.detection import service
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationDiscard
from epibridge.security import Principal, Role
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_RUS = Principal(user_id=2, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")


def test_confirming_after_the_draft_was_discarded_notifies_a_new_draft(
    sessions: sessionmaker[Session],
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    with read_session(sessions) as session:
        signal = service.list_signals(session, principal=OPERATOR, limit=10).items[0]
        draft_id = signal.notification_id
        assert draft_id is not None
        draft = notifications.get(session, actor=FP_KAZ, event_id=draft_id)
        # Detection counted confirmed cases only: the other counts are "not reported", not 0.
        assert draft.counts.confirmed_cases in OUTBREAK
        assert draft.counts.suspected_cases is None and draft.counts.deaths is None
    with write_session(sessions) as session:
        notifications.discard(
            session,
            actor=FP_KAZ,
            event_id=draft_id,
            data=NotificationDiscard(reason="Synthetic test: data entry error"),
        )
    # What the signal page offers: the owning state decides, another state only reads.
    assert service.decisions(FP_KAZ, signal) == {"confirm", "dismiss"}
    assert service.decisions(FP_RUS, signal) == frozenset()
    with write_session(sessions) as session:
        service.confirm(session, actor=FP_KAZ, signal_id=signal.id)
    with read_session(sessions) as session:
        confirmed = service.get(session, principal=FP_KAZ, signal_id=signal.id)
        assert confirmed.status == "confirmed" and confirmed.notification_id != draft_id
        assert service.decisions(FP_KAZ, confirmed) == frozenset()  # decided once
        event = notifications.get(session, actor=FP_RUS, event_id=confirmed.notification_id)
        assert event.status == "notified"
        old = notifications.get(session, actor=FP_KAZ, event_id=draft_id)
        assert old.status == "discarded"
