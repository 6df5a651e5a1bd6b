"""The notification rules through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, Forbidden, InvalidInput, NotFound
from epibridge.notifications import cap as caplib
from epibridge.notifications import service
from epibridge.notifications.schemas import (
    Annex2Answers,
    AssessmentCreate,
    CommentCreate,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    VerificationAnswer,
    VerificationCreate,
)
from epibridge.security import PermissionDenied
from tests.notifications.factory import (
    FP_CHN,
    FP_KAZ,
    FP_RUS,
    OBSERVER,
    SECRETARIAT,
    SYSTEM_KAZ,
    event_body,
    messages,
    now_minus,
    written,
)

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def create(sessions: sessionmaker[Session], actor: Any = FP_KAZ, **overrides: Any) -> int:
    with write_session(sessions) as session:
        event = service.create(
            session, actor=actor, data=NotificationCreate.model_validate(event_body(**overrides))
        )
        return event.id


def export(sessions: sessionmaker[Session], event_id: int, actor: Any = FP_RUS) -> Any:
    with read_session(sessions) as session:
        xml = service.export(session, actor=actor, event_id=event_id)
    caplib.validate(xml)
    return etree.fromstring(xml)


def test_lifecycle_versions_cap_and_outbox(sessions: sessionmaker[Session]) -> None:
    event_id = create(
        sessions,
        area_code="KZ-75",
        latitude=43.25,
        longitude=76.95,
        affected_states=["kgz", "UZB"],
        translations={"ru": {"title": "Синтетический тест: холера", "description": "Тест."}},
        description="Synthetic test data.",
        measures="Boil water.",
    )
    first = export(sessions, event_id)
    assert first.findtext(f"{CAP}msgType") == "Alert"
    assert first.findtext(f"{CAP}status") == "Actual"
    assert first.findtext(f"{CAP}scope") == "Restricted"
    assert [i.findtext(f"{CAP}language") for i in first.iter(f"{CAP}info")] == ["en", "ru"]
    geocodes = {g.findtext(f"{CAP}value") for g in first.iter(f"{CAP}geocode")}
    assert {"KZ-75", "KZ"} <= geocodes

    # A decrease without a reason is refused, naming the field; nothing is written.
    before = written(sessions)
    with pytest.raises(InvalidInput) as refused, write_session(sessions) as session:
        service.update(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=NotificationUpdate(suspected_cases=8, confirmed_cases=5),
        )
    assert [e.field for e in refused.value.errors] == ["suspected_cases"]
    assert written(sessions) == before

    with write_session(sessions) as session:
        service.update(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=NotificationUpdate(
                suspected_cases=8, confirmed_cases=5, reason="4 suspected cases tested negative"
            ),
        )
    with write_session(sessions) as session:
        service.update(session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(deaths=1))
    second = export(sessions, event_id)
    assert second.findtext(f"{CAP}msgType") == "Update"
    references = second.findtext(f"{CAP}references").split()
    assert [r.split(",")[1] for r in references] == [
        first.findtext(f"{CAP}identifier"),
        f"urn:epibridge:KAZ:notification:{event_id}:2",
    ]
    assert references[0].split(",")[2] == first.findtext(f"{CAP}sent")  # stable references

    with write_session(sessions) as session:
        service.close(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            data=NotificationClose(reason="no new cases for 10 days"),
        )
    closed = export(sessions, event_id)
    assert closed.findtext(f"{CAP}msgType") == "Update"
    assert closed.findtext(f"{CAP}info/{CAP}responseType") == "AllClear"
    assert len(closed.findtext(f"{CAP}references").split()) == 3
    with pytest.raises(Conflict), write_session(sessions) as session:
        service.update(session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(deaths=2))

    with read_session(sessions) as session:
        versions = service.versions(session, event_id=event_id)
        timeline = service.timeline(session, actor=FP_RUS, event_id=event_id)
    assert [(v.kind, v.snapshot["suspected_cases"], v.snapshot["deaths"]) for v in versions] == [
        ("notified", 12, 0),
        ("updated", 8, 0),
        ("updated", 8, 1),
        ("closed", 8, 1),
    ]
    assert versions[1].reason == "4 suspected cases tested negative"
    assert [e.kind for e in timeline] == ["notified", "updated", "updated", "closed"]

    sent = messages(sessions)
    assert [m.topic for m in sent] == [
        "notification.notified",
        "notification.updated",
        "notification.updated",
        "notification.closed",
    ]
    assert all(m.states == ["KGZ", "UZB"] and not m.exercise for m in sent)
    assert sent[0].payload["event"]["counts"]["suspected_cases"] == 12
    assert sent[0].payload["event"]["links"]["cap"] == f"/api/v1/notifications/{event_id}/cap"


def test_exercise_flows_through_as_such(sessions: sessionmaker[Session]) -> None:
    event_id = create(sessions, mode="exercise", visibility="public")
    alert = export(sessions, event_id)
    assert alert.findtext(f"{CAP}status") == "Exercise"
    assert alert.findtext(f"{CAP}scope") == "Public"
    assert alert.findtext(f"{CAP}info/{CAP}headline").startswith("[EXERCISE]")
    (message,) = messages(sessions)
    assert message.exercise and message.payload["event"]["exercise"] is True
    assert message.visibility == "public" and message.topic == "notification.notified"
    with read_session(sessions) as session:
        real = service.list_events(session, actor=FP_RUS, limit=10, exercise=False).items
        drills = service.list_events(session, actor=FP_RUS, limit=10, exercise=True).items
    assert real == [] and [e.id for e in drills] == [event_id]


def test_only_the_state_or_the_secretariat_writes(sessions: sessionmaker[Session]) -> None:
    before = written(sessions)
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body(state="RUS"))
        )
    assert written(sessions) == before

    event_id = create(sessions, actor=SECRETARIAT, state="KAZ")
    with read_session(sessions) as session:
        read = service.get(session, actor=FP_KAZ, event_id=event_id)
    assert read.state == "KAZ" and read.on_behalf and read.created_by == "user:sec"
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.update(session, actor=FP_RUS, event_id=event_id, data=NotificationUpdate(deaths=1))


_CHANGES: dict[str, Any] = {
    "notify": lambda session, event_id: service.notify(session, actor=FP_KAZ, event_id=event_id),
    "update": lambda session, event_id: service.update(
        session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(deaths=1)
    ),
    "close": lambda session, event_id: service.close(
        session, actor=FP_KAZ, event_id=event_id, data=NotificationClose(reason="over")
    ),
}


@pytest.mark.parametrize(
    ("status", "change", "allowed"),
    [
        ("draft", "notify", True),
        ("draft", "update", True),
        ("draft", "close", False),
        ("notified", "notify", False),
        ("notified", "update", True),
        ("notified", "close", True),
        ("closed", "notify", False),
        ("closed", "update", False),
        ("closed", "close", False),
    ],
)
def test_each_change_is_allowed_from_its_statuses_only(
    sessions: sessionmaker[Session], status: str, change: str, allowed: bool
) -> None:
    event_id = create(sessions, status="draft" if status == "draft" else "notified")
    if status == "closed":
        with write_session(sessions) as session:
            _CHANGES["close"](session, event_id)
    before = written(sessions)
    if allowed:
        with write_session(sessions) as session:
            _CHANGES[change](session, event_id)
        assert written(sessions) != before
        return
    with pytest.raises(Conflict) as caught, write_session(sessions) as session:
        _CHANGES[change](session, event_id)
    assert [(e.field, e.value) for e in caught.value.errors] == [("status", status)]
    assert written(sessions) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"disease": "Z99"}, "disease"),
        ({"disease": "cholera"}, "disease"),
        ({"state": "XYZ"}, "state"),
        ({"affected_states": ["RUS", "ABC"]}, "affected_states[1]"),
        ({"onset_date": "2999-01-01"}, "onset_date"),
        ({"detection_date": "2000-01-01"}, "detection_date"),
        ({"area_code": "RU-MOW"}, "area_code"),
        ({"area_code": "KZ-XX"}, "area_code"),
        ({"latitude": 43.2}, "longitude"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    sessions: sessionmaker[Session], overrides: dict[str, Any], field: str
) -> None:
    before = written(sessions)
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body(**overrides))
        )
    assert field in [e.field for e in caught.value.errors]
    assert written(sessions) == before


def test_annex2_deadline_and_overdue(sessions: sessionmaker[Session]) -> None:
    answers = {"serious_impact": True, "unusual": True, "assessed_at": now_minus(30).isoformat()}
    late = create(sessions, status="draft", annex2=answers, title="Synthetic test: late")
    on_time = create(sessions, annex2={**answers, "assessed_at": now_minus(2).isoformat()})
    not_notifiable = create(
        sessions, annex2={"serious_impact": False, "unusual": False, "international_spread": False}
    )
    with read_session(sessions) as session:
        draft = service.get(session, actor=FP_KAZ, event_id=late)
        overdue = service.list_events(session, actor=FP_KAZ, limit=10, overdue=True).items
        fine = service.list_events(session, actor=FP_KAZ, limit=10, overdue=False).items
        other = service.get(session, actor=FP_KAZ, event_id=not_notifiable)
    assert draft.annex2 is not None and draft.annex2.outcome == "notify"
    assert draft.notification_deadline is not None and draft.overdue
    assert [e.id for e in overdue] == [late]
    assert {e.id for e in fine} == {on_time, not_notifiable}
    assert other.annex2 is not None and other.annex2.outcome == "not_notifiable"
    assert other.notification_deadline is None
    # The draft is invisible to other states until notified; notified late, it stays overdue.
    with pytest.raises(NotFound), read_session(sessions) as session:
        service.get(session, actor=FP_RUS, event_id=late)
    with write_session(sessions) as session:
        service.notify(session, actor=FP_KAZ, event_id=late)
    with read_session(sessions) as session:
        assert service.get(session, actor=FP_RUS, event_id=late).overdue
        kinds = [e.kind for e in service.timeline(session, actor=FP_RUS, event_id=late)]
    assert kinds == ["annex2_assessed", "draft_created", "notified"]
    # A reassessment replaces the stored answers and outcome (and the deadline with them).
    with write_session(sessions) as session:
        event = service.assess_annex2(
            session, actor=FP_KAZ, event_id=on_time, data=Annex2Answers(serious_impact=False)
        )
        assert event.annex2_outcome == "insufficient_information"
        assert event.notification_deadline is None


def test_verification_acknowledgement_risk_and_reminders(sessions: sessionmaker[Session]) -> None:
    event_id = create(sessions, affected_states=["KGZ"])
    with write_session(sessions) as session:
        request = service.request_verification(
            session,
            actor=SECRETARIAT,
            event_id=event_id,
            data=VerificationCreate(question="Are the cases laboratory-confirmed?"),
        )
        request_id = request.id
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.answer_verification(
            session,
            actor=FP_RUS,
            event_id=event_id,
            verification_id=request_id,
            data=VerificationAnswer(verified=True, answer="yes"),
        )
    with write_session(sessions) as session:
        service.answer_verification(
            session,
            actor=FP_KAZ,
            event_id=event_id,
            verification_id=request_id,
            data=VerificationAnswer(verified=True, answer="3 confirmed by PCR"),
        )
        service.request_verification(
            session,
            actor=FP_RUS,
            event_id=event_id,
            data=VerificationCreate(question="Any cases near the border?"),
        )
    for actor in (FP_RUS, FP_CHN):
        with write_session(sessions) as session:
            service.acknowledge(session, actor=actor, event_id=event_id)
    for actor, bad in ((FP_RUS, Conflict), (FP_KAZ, Conflict), (OBSERVER, NotFound)):
        with pytest.raises(bad), write_session(sessions) as session:
            service.acknowledge(session, actor=actor, event_id=event_id)
    with write_session(sessions) as session:
        service.assess(
            session,
            actor=FP_RUS,
            event_id=event_id,
            data=AssessmentCreate(
                likelihood="almost_certain", consequence="severe", rationale="synthetic"
            ),
        )
        service.assess(
            session,
            actor=SECRETARIAT,
            event_id=event_id,
            data=AssessmentCreate(
                likelihood="unlikely", consequence="minor", rationale="synthetic"
            ),
        )
        service.comment(
            session, actor=FP_CHN, event_id=event_id, data=CommentCreate(body="We are monitoring.")
        )
        reminded = service.remind(session, actor=SECRETARIAT, event_id=event_id)
    with read_session(sessions) as session:
        read = service.get(session, actor=FP_CHN, event_id=event_id)
        timeline = service.timeline(session, actor=FP_CHN, event_id=event_id)

    assert [a["state"] for a in read.acknowledgements.acknowledged] == ["RUS", "CHN"]
    assert "KAZ" not in read.acknowledgements.pending
    assert set(read.acknowledgements.pending) == set(reminded)
    assert {"IND", "PAK", "IRN", "BLR", "KGZ", "TJK", "UZB"} <= set(reminded)
    assert [a.level for a in read.risk.assessments] == ["very_high", "low"]
    assert read.risk.secretariat is not None and read.risk.consolidated == "low"
    assert read.verifications[0].verified is True and not read.verifications[0].overdue
    assert read.verifications[1].requester_state == "RUS" and read.verifications[1].answer is None
    assert [e.kind for e in timeline] == [
        "notified",
        "verification_requested",
        "verification_answered",
        "verification_requested",
        "acknowledged",
        "acknowledged",
        "assessed",
        "assessed",
        "comment",
    ]
    topics = [m.topic for m in messages(sessions)]
    assert topics == [
        "notification.notified",
        "notification.verification_requested",
        "notification.verification_answered",
        "notification.verification_requested",
        "notification.acknowledged",
        "notification.acknowledged",
        "notification.assessed",
        "notification.assessed",
        "notification.reminder",
    ]
    (reminder,) = messages(sessions, "notification.reminder")
    assert reminder.states == sorted(reminded)
    assert reminder.payload["event"]["risk_level"] == "low"


def test_lists_apply_visibility_filters_and_cursor(sessions: sessionmaker[Session]) -> None:
    ids = [
        create(sessions, visibility="members", title="Synthetic test: members only"),
        create(sessions, visibility="partners", disease="A00.1", description="river water"),
        create(sessions, visibility="public", disease="U07.1"),
        create(sessions, actor=FP_RUS, state="RUS", disease="unknown", status="draft"),
    ]
    with read_session(sessions) as session:

        def seen(actor: Any, **filters: Any) -> list[int]:
            rows = service.list_events(session, actor=actor, limit=50, **filters).items
            return [r.id for r in rows]

        assert seen(OBSERVER) == [ids[2], ids[1]]
        assert seen(FP_KAZ) == [ids[2], ids[1], ids[0]]
        assert seen(FP_RUS) == ids[::-1]
        assert seen(SECRETARIAT) == ids[::-1]
        assert seen(FP_KAZ, disease="A00") == [ids[1], ids[0]]
        assert seen(FP_KAZ, q="RIVER") == [ids[1]]
        assert seen(FP_KAZ, q="members only") == [ids[0]]
        assert seen(SECRETARIAT, state="rus") == [ids[3]]
        assert seen(SECRETARIAT, status="draft") == [ids[3]]
        today = utcnow().date()
        assert seen(FP_KAZ, notified_from=today, notified_to=today) == [ids[2], ids[1], ids[0]]
        assert seen(FP_KAZ, onset_to=today - timedelta(days=6)) == []
        page = service.list_events(session, actor=SECRETARIAT, limit=3)
        first, after = page.items, page.next_cursor
        page = service.list_events(session, actor=SECRETARIAT, limit=3, cursor=after)
        rest, end = page.items, page.next_cursor
        assert [r.id for r in first + rest] == ids[::-1] and end is None


def test_verification_deadline_and_answer_on_behalf(sessions: sessionmaker[Session]) -> None:
    event_id = create(sessions)
    with write_session(sessions) as session:
        late = service.request_verification(
            session,
            actor=SECRETARIAT,
            event_id=event_id,
            data=VerificationCreate(question="Synthetic: confirmed?"),
            now=now_minus(25),
        ).id
    with read_session(sessions) as session:
        (pending,) = service.get(session, actor=FP_KAZ, event_id=event_id).verifications
    assert pending.overdue and pending.answered_at is None
    with write_session(sessions) as session:
        answered = service.answer_verification(
            session,
            actor=SECRETARIAT,
            event_id=event_id,
            verification_id=late,
            data=VerificationAnswer(verified=False, answer="not confirmed (on KAZ's behalf)"),
        )
        assert answered.answer_on_behalf
    with read_session(sessions) as session:
        entries = service.timeline(session, actor=FP_KAZ, event_id=event_id)
    answer = next(e for e in entries if e.kind == "verification_answered")
    assert answer.on_behalf and answer.detail["late"] is True and answer.state == "KAZ"
    assert [e.kind for e in entries][:2] == ["verification_requested", "notified"]


def _alert(**overrides: Any) -> bytes:
    info = caplib.Info(
        language="ru",
        event="Холера",
        urgency=caplib.Urgency.EXPECTED,
        severity=caplib.Severity.SEVERE,
        certainty=caplib.Certainty.OBSERVED,
        headline="Синтетический тест: холера",
        event_codes=(caplib.ValuePair("ICD-10", "A00"),),
        onset=now_minus(48),
        parameters=(caplib.ValuePair("confirmed_cases", "4"),),
        areas=(caplib.Area("Almaty", geocodes=(caplib.ValuePair("ISO3166-2", "KZ-75"),)),),
    )
    values: dict[str, Any] = {
        "identifier": "kz-sanepid-1",
        "sender": "sanepid@example.kz",
        "sent": now_minus(1),
        "status": caplib.Status.EXERCISE,
        "msg_type": caplib.MsgType.ALERT,
        "scope": caplib.Scope.RESTRICTED,
        "restriction": "SCO members",
        "infos": (info, replace(info, language="en", headline="Synthetic test: cholera")),
    }
    values.update(overrides)
    return caplib.build_alert(caplib.CapMessage(**values))


def test_cap_import_maps_fields_and_refuses_non_notifications(
    sessions: sessionmaker[Session],
) -> None:
    with write_session(sessions) as session:
        event, changed = service.import_alert(session, actor=SYSTEM_KAZ, xml=_alert())
        event_id = event.id
    assert changed
    with read_session(sessions) as session:
        read = service.get(session, actor=FP_RUS, event_id=event_id)
    assert (read.state, read.disease, read.area_code, read.mode) == (
        "KAZ",
        "A00",
        "KZ-75",
        "exercise",
    )
    assert read.counts.confirmed_cases == 4 and read.language == "ru"
    assert read.translations["en"]["title"] == "Synthetic test: cholera"
    assert messages(sessions)[0].exercise
    for overrides, field in (
        ({"identifier": "2", "status": caplib.Status.SYSTEM}, "/alert/status"),
        (
            {
                "identifier": "3",
                "msg_type": caplib.MsgType.ACK,
                "references": (("sanepid@example.kz", "kz-sanepid-1", now_minus(1)),),
            },
            "/alert/msgType",
        ),
        ({"identifier": "4", "sender": "sanepid@example.ru"}, "/alert/sender"),
    ):
        before = written(sessions)
        with pytest.raises((InvalidInput, Forbidden)) as caught, write_session(sessions) as session:
            service.import_alert(session, actor=SYSTEM_KAZ, xml=_alert(**overrides))
        assert [e.field for e in caught.value.errors] == [field]
        assert written(sessions) == before
