"""Each 7-1-7 interval on events with and without every milestone, on SQLite and PostgreSQL.

Expected day counts are worked out by hand from the calendar dates written in each test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, InvalidInput, NotFound
from epibridge.notifications import service as notifications
from epibridge.security import PermissionDenied
from epibridge.timeliness import service
from epibridge.timeliness.schemas import (
    ActionRecord,
    FactorCreate,
    MilestonesUpdate,
    TimelinessRead,
)
from epibridge.timeliness.statuses import ActionOutcome, EarlyAction
from tests.notifications.factory import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT
from tests.timeliness.factory import NOW, every_action, make_event, record_all


def read(sessions: sessionmaker[Session], event_id: int, actor=FP_KAZ) -> TimelinessRead:
    with read_session(sessions) as session:
        return service.to_read(service.get(session, actor=actor, event_id=event_id))


def set_milestones(sessions: sessionmaker[Session], event_id: int, actor=FP_KAZ, **values) -> None:
    with write_session(sessions) as session:
        service.set_milestones(
            session,
            actor=actor,
            event_id=event_id,
            data=MilestonesUpdate(**values),
            now=NOW,
        )


def test_every_milestone_gives_every_interval(sessions: sessionmaker[Session]) -> None:
    # Onset 1 March, detected 5 March, notified 6 March 23:30 UTC, last action 12 March.
    event_id = make_event(sessions)
    record_all(sessions, event_id, every_action(date(2026, 3, 12)))
    got = read(sessions, event_id)
    assert (got.detect_days, got.notify_days, got.respond_days) == (4, 1, 6)
    assert got.targets_met.model_dump() == {"detect": True, "notify": True, "respond": True}
    assert got.all_met is True
    assert got.emergence.origin == "onset" and got.notification.origin == "epibridge"
    assert got.early_response.date == date(2026, 3, 12)


def test_without_a_detection_date_detect_and_notify_are_open(
    sessions: sessionmaker[Session],
) -> None:
    event_id = make_event(sessions, detection=None)
    record_all(sessions, event_id, every_action(date(2026, 3, 20)))
    got = read(sessions, event_id)
    assert (got.detect_days, got.notify_days, got.respond_days) == (None, None, 14)
    assert got.targets_met.model_dump() == {"detect": None, "notify": None, "respond": False}
    # One target already missed: the event cannot meet all three, whatever comes.
    assert got.all_met is False


def test_a_draft_has_no_notification_yet(sessions: sessionmaker[Session]) -> None:
    event_id = make_event(sessions, status="draft")
    record_all(sessions, event_id, every_action(date(2026, 3, 8)))
    got = read(sessions, event_id)
    assert (got.detect_days, got.notify_days, got.respond_days) == (4, None, None)
    assert got.notification.date is None and got.all_met is None


def test_respond_waits_for_every_action_to_be_recorded(sessions: sessionmaker[Session]) -> None:
    event_id = make_event(sessions)
    days = every_action(date(2026, 3, 9))
    days.pop(EarlyAction.LAB_CONFIRMATION)
    record_all(sessions, event_id, days)
    assert read(sessions, event_id).respond_days is None
    record_all(sessions, event_id, {EarlyAction.LAB_CONFIRMATION: date(2026, 3, 15)})
    got = read(sessions, event_id)
    assert got.respond_days == 9 and got.targets_met.respond is False
    assert got.early_response.date == date(2026, 3, 15)


def test_actions_not_needed_are_left_out_and_all_not_needed_is_open(
    sessions: sessionmaker[Session],
) -> None:
    event_id = make_event(sessions)
    skipped = (EarlyAction.COUNTERMEASURES, EarlyAction.COORDINATION)
    record_all(sessions, event_id, every_action(date(2026, 3, 12), not_needed=skipped))
    # The last applicable one (11 March) ends the early response, not the skipped 12th.
    assert read(sessions, event_id).respond_days == 5
    record_all(sessions, event_id, dict.fromkeys(EarlyAction))
    got = read(sessions, event_id)
    assert got.respond_days is None and got.targets_met.respond is None


def test_a_recorded_emergence_date_replaces_the_onset(sessions: sessionmaker[Session]) -> None:
    event_id = make_event(sessions)
    set_milestones(
        sessions, event_id, emergence_date=date(2026, 2, 20), emergence_source="case review"
    )
    got = read(sessions, event_id)
    assert got.detect_days == 13 and got.targets_met.detect is False
    assert got.emergence.origin == "recorded" and got.emergence.source == "case review"
    set_milestones(sessions, event_id)  # cleared: back to the onset date
    assert read(sessions, event_id).detect_days == 4


def test_an_earlier_national_notification_counts(sessions: sessionmaker[Session]) -> None:
    event_id = make_event(sessions, notified_at=datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert read(sessions, event_id).notify_days == 4
    set_milestones(
        sessions,
        event_id,
        national_notification_date=date(2026, 3, 5),
        national_notification_source="ministry log 2026/114",
    )
    got = read(sessions, event_id)
    assert got.notify_days == 0 and got.targets_met.notify is True
    assert got.notification.origin == "national"
    assert got.notification.source == "ministry log 2026/114"


def test_the_notification_day_is_the_utc_calendar_day(sessions: sessionmaker[Session]) -> None:
    # 7 March 01:30 in Astana (UTC+5) is 6 March 20:30 UTC: one day after detection, not two.
    astana = datetime.fromisoformat("2026-03-07T01:30:00+05:00")
    event_id = make_event(sessions, notified_at=astana)
    assert read(sessions, event_id).notify_days == 1


def test_an_event_with_no_milestone_has_no_interval(
    sessions: sessionmaker[Session],
) -> None:
    event_id = make_event(sessions, status="draft", detection=None)
    got = read(sessions, event_id)
    assert (got.detect_days, got.notify_days, got.respond_days) == (None, None, None)
    assert got.targets_met.model_dump() == {"detect": None, "notify": None, "respond": None}
    assert [a.outcome for a in got.actions] == [None] * 7


def test_another_states_focal_point_is_refused_and_nothing_written(
    sessions: sessionmaker[Session],
) -> None:
    event_id = make_event(sessions)
    with read_session(sessions) as session:
        before = len(list(session.execute(select(AuditEntry.id)).scalars()))
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.record_action(
            session,
            actor=FP_RUS,
            event_id=event_id,
            action=EarlyAction.INVESTIGATION,
            data=ActionRecord(outcome=ActionOutcome.COMPLETED, completed_on=date(2026, 3, 6)),
            now=NOW,
        )
    for write in (
        lambda s: service.set_milestones(
            s, actor=FP_RUS, event_id=event_id, data=MilestonesUpdate(), now=NOW
        ),
        lambda s: service.add_factor(
            s,
            actor=FP_RUS,
            event_id=event_id,
            data=FactorCreate(
                kind="bottleneck", stage="detect", category="laboratory", description="x"
            ),
            now=NOW,
        ),
    ):
        with pytest.raises(PermissionDenied), write_session(sessions) as session:
            write(session)
    with read_session(sessions) as session:
        assert len(list(session.execute(select(AuditEntry.id)).scalars())) == before
    # Reading follows the event's visibility: another member reads, an observer does not see.
    assert read(sessions, event_id, FP_RUS).notify_days == 1
    with pytest.raises(NotFound):
        read(sessions, event_id, OBSERVER)


def test_a_draft_is_hidden_from_other_states(sessions: sessionmaker[Session]) -> None:
    event_id = make_event(sessions, status="draft")
    with pytest.raises(NotFound):
        read(sessions, event_id, FP_RUS)


def test_the_secretariat_records_on_behalf_and_every_write_is_audited(
    sessions: sessionmaker[Session],
) -> None:
    event_id = make_event(sessions)
    set_milestones(
        sessions,
        event_id,
        SECRETARIAT,
        emergence_date=date(2026, 2, 27),
        emergence_source="line list",
    )
    record_all(sessions, event_id, {EarlyAction.INVESTIGATION: date(2026, 3, 7)}, actor=SECRETARIAT)
    with write_session(sessions) as session:
        item = service.add_factor(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=FactorCreate(
                kind="bottleneck",
                stage="detect",
                category="clinician_knowledge",
                description="Synthetic: the clinic did not suspect cholera",
            ),
            now=NOW,
        )
        factor_id = item.factors[0].id
    with write_session(sessions) as session:
        service.remove_factor(session, actor=FP_KAZ, event_id=event_id, factor_id=factor_id)
    with read_session(sessions) as session:
        entries = list(
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.entity == "timeliness", AuditEntry.entity_id == str(event_id))
                .order_by(AuditEntry.id)
            ).scalars()
        )
        timeline = service.timeline(session, actor=FP_RUS, event_id=event_id)
    assert [e.action for e in entries] == [
        "set_milestones",
        "record_action",
        "add_factor",
        "remove_factor",
    ]
    assert entries[0].actor == "user:sec" and entries[0].detail["on_behalf"] is True
    assert entries[2].detail["category"] == "clinician_knowledge"
    assert [t.kind for t in timeline][:2] == [
        "timeliness_set_milestones",
        "timeliness_record_action",
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"emergence_date": date(2026, 2, 1)}, "emergence_source"),
        ({"emergence_date": date(2026, 3, 6), "emergence_source": "x"}, "emergence_date"),
        ({"emergence_date": date(2026, 7, 1), "emergence_source": "x"}, "emergence_date"),
        (
            {"national_notification_date": date(2026, 3, 4), "national_notification_source": "x"},
            "national_notification_date",
        ),
        (
            {"national_notification_date": date(2026, 3, 8), "national_notification_source": "x"},
            "national_notification_date",
        ),
        ({"national_notification_date": date(2026, 3, 5)}, "national_notification_source"),
    ],
)
def test_invalid_milestones_name_their_field(
    sessions: sessionmaker[Session], values: dict, field: str
) -> None:
    event_id = make_event(sessions)
    with pytest.raises(InvalidInput) as raised:
        set_milestones(sessions, event_id, **values)
    assert {e.field for e in raised.value.errors} == {field}
    assert raised.value.errors[0].message_in("ru") != raised.value.errors[0].message


@pytest.mark.parametrize(
    ("outcome", "day"),
    [
        (ActionOutcome.COMPLETED, None),
        (ActionOutcome.NOT_NEEDED, date(2026, 3, 7)),
        (ActionOutcome.COMPLETED, date(2026, 2, 1)),
        (ActionOutcome.COMPLETED, date(2026, 7, 1)),
    ],
)
def test_invalid_actions_name_completed_on(
    sessions: sessionmaker[Session], outcome: ActionOutcome, day: date | None
) -> None:
    event_id = make_event(sessions)
    with pytest.raises(InvalidInput) as raised, write_session(sessions) as session:
        service.record_action(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            action=EarlyAction.EPI_ANALYSIS,
            data=ActionRecord(outcome=outcome, completed_on=day),
            now=NOW,
        )
    assert {e.field for e in raised.value.errors} == {"completed_on"}


def test_a_discarded_draft_takes_no_milestones(sessions: sessionmaker[Session]) -> None:
    from epibridge.notifications.schemas import NotificationDiscard

    event_id = make_event(sessions, status="draft")
    with write_session(sessions) as session:
        notifications.discard(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=NotificationDiscard(reason="Synthetic: duplicate"),
        )
    with pytest.raises(Conflict):
        set_milestones(sessions, event_id)
