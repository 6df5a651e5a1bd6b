"""Detection over the epidemic database: signals, drafts, decisions, as_of, reference data."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service
from epibridge.detection.models import Signal
from epibridge.detection.rt import estimate_r
from epibridge.detection.schemas import SignalDismiss
from epibridge.epidata import reference
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import Conflict, InvalidInput, NotFound
from epibridge.notifications import service as notifications
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, Principal, Role
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_RUS = Principal(user_id=2, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
SECRETARIAT = Principal(user_id=3, name="sec", role=Role.SECRETARIAT)
OBSERVER = Principal(user_id=4, name="obs", role=Role.OBSERVER, state="MNG")
KAZ_A09 = SeriesSelector("A09", states=("KAZ",), classification="confirmed")


def _signals(sessions: sessionmaker[Session], **filters: object) -> list[Signal]:
    with read_session(sessions) as session:
        rows = service.list_signals(session, principal=OPERATOR, limit=500, **filters).items  # type: ignore[arg-type]
    return rows


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _topics(sessions: sessionmaker[Session]) -> list[str]:
    with read_session(sessions) as session:
        return list(
            session.execute(
                select(OutboxMessage.topic)
                .where(OutboxMessage.topic.startswith("detection."))
                .order_by(OutboxMessage.created_at)
            ).scalars()
        )


def test_outbreak_opens_a_draft_for_the_state_and_confirming_notifies_it(
    sessions: sessionmaker[Session],
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    report = detect(sessions)
    assert report.messages_read == 1 and report.series == 1
    assert report.opened == 2 and report.notifications == 1
    found = _signals(sessions)
    assert {(s.state, s.disease, s.method, s.dataset) for s in found} == {
        ("KAZ", "A09", "ears-c1", "sco")
    }
    assert sorted(s.observed for s in found) == [60.0, 85.0]
    assert all(s.status == "open" and s.synthetic and s.upperbound < s.observed for s in found)
    # both alarming weeks of the series share one draft: one question to the state
    assert len({s.notification_id for s in found}) == 1
    signal = found[0]
    with read_session(sessions) as session:
        draft = notifications.get(session, actor=FP_KAZ, event_id=signal.notification_id)
        assert draft.status == "draft" and draft.state == "KAZ"
        assert draft.title.startswith("[SYNTHETIC DATA]") and draft.mode == "exercise"
        with pytest.raises(NotFound):  # another state does not even see the draft
            notifications.get(session, actor=FP_RUS, event_id=signal.notification_id)
    assert _topics(sessions) == ["detection.signal_opened"] * 2
    with read_session(sessions) as session:
        opened = (
            session.execute(
                select(OutboxMessage).where(OutboxMessage.topic == "detection.signal_opened")
            )
            .scalars()
            .first()
        )
    assert opened is not None and opened.states == ["KAZ"] and opened.exercise
    assert opened.payload["title"].startswith("[SYNTHETIC DATA] Detection signal (ears-c1)")
    assert opened.payload["signal"]["notification_id"] == signal.notification_id

    with write_session(sessions) as session, pytest.raises(PermissionDenied):
        service.confirm(session, actor=FP_RUS, signal_id=signal.id)
    with write_session(sessions) as session:
        service.confirm(session, actor=FP_KAZ, signal_id=signal.id)
    with read_session(sessions) as session:
        event = notifications.get(session, actor=FP_RUS, event_id=signal.notification_id)
        assert event.status == "notified"
        entries = session.execute(
            select(audit.AuditEntry.action).where(audit.AuditEntry.entity == "detection_signal")
        ).scalars()
        assert sorted(entries) == ["confirm", "confirm", "open", "open"]
    assert {s.status for s in _signals(sessions)} == {"confirmed"}
    assert all(s.decided_by == "user:fp-kaz" and not s.on_behalf for s in _signals(sessions))
    assert _topics(sessions)[2:] == ["detection.signal_confirmed"] * 2
    with write_session(sessions) as session, pytest.raises(Conflict):
        service.confirm(session, actor=FP_KAZ, signal_id=signal.id)


def test_dismiss_with_reason_and_reruns_never_duplicate(sessions: sessionmaker[Session]) -> None:
    submit_series(sessions, "KGZ", BASELINE + OUTBREAK)
    detect(sessions)
    again = detect(sessions)
    assert (again.opened, again.updated, again.notifications) == (0, 0, 0)
    found = _signals(sessions)
    assert len(found) == 2
    with write_session(sessions) as session, pytest.raises(InvalidInput):
        service.dismiss(
            session, actor=SECRETARIAT, signal_id=found[0].id, data=SignalDismiss(reason=" ")
        )
    with write_session(sessions) as session, pytest.raises(PermissionDenied):
        service.dismiss(
            session, actor=FP_KAZ, signal_id=found[0].id, data=SignalDismiss(reason="no")
        )
    with write_session(sessions) as session:
        service.dismiss(
            session,
            actor=SECRETARIAT,
            signal_id=found[0].id,
            data=SignalDismiss(reason="Synthetic test: reporting backlog cleared in one week"),
        )
    after = _signals(sessions)
    assert {s.status for s in after} == {"dismissed"}
    assert all(s.on_behalf and s.reason.startswith("Synthetic test") for s in after)
    third = detect(sessions)
    assert (third.opened, third.updated) == (0, 0) and len(_signals(sessions)) == 2
    assert _topics(sessions).count("detection.signal_dismissed") == 2
    with read_session(sessions) as session:  # the draft was never notified
        draft = notifications.get(session, actor=SECRETARIAT, event_id=after[0].notification_id)
        assert draft.status == "draft"


def test_the_run_uses_the_data_as_known_at_its_moment(sessions: sessionmaker[Session]) -> None:
    submit_series(sessions, "TJK", BASELINE + OUTBREAK)
    before_revision = utcnow()
    # a revision after that moment: the outbreak weeks were a data-entry error
    submit_series(sessions, "TJK", [*BASELINE[-4:], 11, 9], weeks_ago=6)
    detect(sessions, as_of=before_revision)
    seen = _signals(sessions)
    assert sorted(s.observed for s in seen) == [60.0, 85.0]
    assert all(s.as_of == before_revision for s in seen)
    # the latest data no longer alarm: the open signals say so, with the values seen now
    latest = detect(sessions)
    assert latest.updated == 2 and latest.opened == 0
    now_seen = _signals(sessions)
    assert sorted(s.observed for s in now_seen) == [9.0, 11.0]
    assert not any(s.alarm for s in now_seen)


def test_a_revision_after_the_run_leaves_what_it_stored(sessions: sessionmaker[Session]) -> None:
    submit_series(sessions, "UZB", BASELINE + OUTBREAK)
    report = detect(sessions)
    submit_series(sessions, "UZB", [11, 9], weeks_ago=2)
    stored = _signals(sessions)
    assert sorted(s.observed for s in stored) == [60.0, 85.0]
    assert all(s.as_of == report.as_of and s.run_id == report.run_id for s in stored)


def test_changed_runs_only_the_series_submissions_touched(sessions: sessionmaker[Session]) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    assert detect(sessions).series == 1
    assert detect(sessions, changed=True).series == 0
    submit_series(sessions, "RUS", BASELINE + OUTBREAK, disease="A01")
    changed = detect(sessions, changed=True)
    assert (changed.series, changed.messages_read) == (1, 1)
    assert {s.state for s in _signals(sessions, state="RUS")} == {"RUS"}
    assert detect(sessions, changed=True).series == 0
    assert detect(sessions).series == 2  # a full run looks at everything


def test_a_long_weekly_series_gets_noufaily_and_ears(sessions: sessionmaker[Session]) -> None:
    rng = np.random.default_rng(7)
    weeks = 6 * 52
    season = 20 + 8 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    values = [int(v) for v in rng.poisson(season)]
    values[-1] = 120
    submit_series(sessions, "PAK", values)
    report = detect(sessions, last=2)
    assert report.evaluated == 4  # 2 weeks x (noufaily, ears-c1)
    methods = {s.method for s in _signals(sessions) if s.observed == 120.0}
    assert methods == {"noufaily", "ears-c1"}
    only = detect(sessions, method="ears-c3", last=2)
    assert only.evaluated == 2
    monthly = detect(sessions, granularity="month", last=1)
    assert monthly.evaluated == 2  # 72 months: farrington (needs 63) and ears-c1


def test_reference_datasets_are_labelled_and_never_notified(
    sessions: sessionmaker[Session],
) -> None:
    with write_session(sessions) as session:
        reference.load(session, actor=OPERATOR)
    events_before = _count(sessions, NotificationEvent)
    report = detect(sessions, dataset="reference", since="2001-01-01", method="ears-c1")
    assert report.opened > 0 and report.notifications == 0
    found = _signals(sessions, dataset="reference")
    assert found and all(s.dataset.startswith("reference:") for s in found)
    assert all(s.notification_id is None and "reference dataset" in s.title for s in found)
    assert _count(sessions, NotificationEvent) == events_before
    assert _topics(sessions) == []
    with write_session(sessions) as session, pytest.raises(Conflict):
        service.confirm(session, actor=SECRETARIAT, signal_id=found[0].id)
    with write_session(sessions) as session, pytest.raises(PermissionDenied):
        service.dismiss(
            session, actor=FP_KAZ, signal_id=found[0].id, data=SignalDismiss(reason="x")
        )


def test_reading_needs_a_member_role_and_options_are_checked(
    sessions: sessionmaker[Session],
) -> None:
    with read_session(sessions) as session, pytest.raises(PermissionDenied):
        service.list_signals(session, principal=OBSERVER)
    with pytest.raises(InvalidInput) as caught:
        detect(sessions, states=["XXX"], diseases=["Z99"], metrics=["sneezes"])
    assert {e.field for e in caught.value.errors} == {"state[0]", "disease[0]", "metric[0]"}


def test_series_thresholds_and_rt_of_a_stored_series(sessions: sessionmaker[Session]) -> None:
    values = BASELINE + OUTBREAK
    submit_series(sessions, "KAZ", values)
    with read_session(sessions) as session:
        result = service.series_thresholds(session, principal=FP_RUS, selector=KAZ_A09)
        rt = service.series_rt(
            session,
            principal=FP_RUS,
            selector=KAZ_A09,
            mean_si=2.0,
            std_si=1.0,
            window=4,
        )
        with pytest.raises(InvalidInput):
            service.series_rt(session, principal=OPERATOR, selector=KAZ_A09, mean_si=0.5)
        with pytest.raises(NotFound):
            service.series_thresholds(
                session, principal=OPERATOR, selector=SeriesSelector("A00", states=("KAZ",))
            )
    assert [p.observed for p in result.points] == [float(v) for v in values]
    assert all(p.upperbound is None for p in result.points[:7])
    assert [p.alarm for p in result.points[-2:]] == [True, True]
    assert result.synthetic
    n = len(values)
    direct = estimate_r(
        np.array(values, dtype=float),
        method="parametric_si",
        mean_si=2.0,
        std_si=1.0,
        t_start=np.arange(2, n - 2),
        t_end=np.arange(5, n + 1),
    )
    assert [e.mean for e in rt.estimates] == pytest.approx(list(direct.mean), rel=1e-12)
    assert rt.estimates[-1].period_start == result.points[-4].period_start
    assert rt.estimates[-1].period_end == result.points[-1].period_end
    assert rt.estimates[-1].mean > 1.0
    assert rt.estimates[0].period_start - result.points[0].period_start == timedelta(weeks=1)


def test_a_submission_committed_late_is_still_taken_in_once(
    sessions: sessionmaker[Session],
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    submit_series(sessions, "RUS", BASELINE + OUTBREAK)
    # its message bears a time before what the last run read (set before a slow commit)
    with write_session(sessions) as session:
        message = session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.topic == "epidata.submission_accepted")
            .order_by(OutboxMessage.created_at.desc())
            .limit(1)
        ).scalar_one()
        message.created_at = message.created_at - timedelta(minutes=30)
    late = detect(sessions, changed=True)
    assert (late.messages_read, late.series) == (1, 1)
    assert {s.state for s in _signals(sessions)} == {"KAZ", "RUS"}
    again = detect(sessions, changed=True)
    assert (again.messages_read, again.series) == (0, 0)
