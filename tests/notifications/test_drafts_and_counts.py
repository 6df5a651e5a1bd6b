"""Discarding drafts, counts "not reported" (never 0, left out of CAP), and the actions a page
offers each principal. On SQLite and PostgreSQL; every event is synthetic test data."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, InvalidInput, NotFound
from epibridge.notifications import cap as caplib
from epibridge.notifications import service
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.schemas import (
    NotificationCreate,
    NotificationDiscard,
    NotificationUpdate,
    VerificationCreate,
)
from epibridge.notifications.statuses import EventStatus
from tests.notifications.factory import (
    FP_KAZ,
    FP_RUS,
    OBSERVER,
    SECRETARIAT,
    event_body,
    messages,
    written,
)

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def _create(sessions: sessionmaker[Session], **overrides: Any) -> int:
    with write_session(sessions) as session:
        return service.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body(**overrides))
        ).id


def _discard(sessions: sessionmaker[Session], event_id: int, actor: Any, reason: str) -> Any:
    with write_session(sessions) as session:
        return service.discard(
            session, actor=actor, event_id=event_id, data=NotificationDiscard(reason=reason)
        )


def test_a_count_not_reported_is_none_and_left_out_of_cap(
    sessions: sessionmaker[Session],
) -> None:
    event_id = _create(sessions, suspected_cases=None, deaths=0)  # probable not given either
    with read_session(sessions) as session:
        read = service.get(session, actor=FP_RUS, event_id=event_id)
        xml = service.export(session, actor=FP_RUS, event_id=event_id)
    assert read.counts.model_dump() == {
        "suspected_cases": None,
        "probable_cases": None,
        "confirmed_cases": 3,
        "deaths": 0,  # a zero that was given stays a zero
    }
    caplib.validate(xml)  # the CAP 1.2 schema
    params = {
        p.findtext(f"{CAP}valueName"): p.findtext(f"{CAP}value")
        for p in etree.fromstring(xml).iter(f"{CAP}parameter")
    }
    assert params["confirmed_cases"] == "3" and params["deaths"] == "0"
    assert "probable_cases" not in params and "suspected_cases" not in params
    # The outbox message carries null, not 0, and an update keeps what was not reported.
    sent = messages(sessions, "notification.notified")[-1].payload["event"]["counts"]
    assert sent["probable_cases"] is None
    with write_session(sessions) as session:
        service.update(
            session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(confirmed_cases=5)
        )
    with read_session(sessions) as session:
        read = service.get(session, actor=FP_RUS, event_id=event_id)
        timeline = service.timeline(session, actor=FP_RUS, event_id=event_id)
    assert read.counts.probable_cases is None and read.counts.confirmed_cases == 5
    assert timeline[-1].detail["counts"]["probable_cases"] is None
    # A first figure for a count not reported before is no decrease: no reason asked.
    with write_session(sessions) as session:
        service.update(
            session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(probable_cases=0)
        )


def test_discard_a_draft_keeps_it_with_the_reason_and_sends_nothing(
    sessions: sessionmaker[Session],
) -> None:
    event_id = _create(sessions, status="draft")
    before = written(sessions)
    discarded = _discard(sessions, event_id, FP_KAZ, "  Laboratory error, not an outbreak  ")
    assert discarded.status == EventStatus.DISCARDED
    after = written(sessions)
    assert after["OutboxMessage"] == before["OutboxMessage"]  # a draft never left the state
    assert after["NotificationVersion"] == before["NotificationVersion"]
    with read_session(sessions) as session:
        row = session.get(NotificationEvent, event_id)
        assert row is not None and row.close_reason == "Laboratory error, not an outbreak"
        audited = session.execute(
            select(AuditEntry).where(AuditEntry.action == "discard")
        ).scalar_one()
        assert audited.actor == FP_KAZ.actor and audited.entity_id == str(event_id)
        timeline = service.timeline(session, actor=FP_KAZ, event_id=event_id)
        assert (timeline[-1].kind, timeline[-1].actor) == ("discarded", FP_KAZ.actor)
        # Not listed with the events unless asked for; other states never see it.
        listed = service.list_events(session, actor=FP_KAZ, limit=50)
        assert event_id not in [e.id for e in listed.items]
        asked = service.list_events(session, actor=FP_KAZ, limit=50, status=EventStatus.DISCARDED)
        assert [e.id for e in asked.items] == [event_id]
        latest = service.situation(session, actor=FP_KAZ, on=utcnow().date()).latest
        assert event_id not in [e.id for e in latest]  # nor on the dashboard
        with pytest.raises(NotFound):
            service.get(session, actor=FP_RUS, event_id=event_id)
        with pytest.raises(Conflict):
            service.export(session, actor=FP_KAZ, event_id=event_id)
    # Discarded is final: neither notified, edited, discarded again nor verified.
    with write_session(sessions) as session, pytest.raises(Conflict):
        service.notify(session, actor=FP_KAZ, event_id=event_id)
    with write_session(sessions) as session, pytest.raises(Conflict):
        service.update(session, actor=FP_KAZ, event_id=event_id, data=NotificationUpdate(deaths=1))
    with pytest.raises(Conflict):
        _discard(sessions, event_id, FP_KAZ, "again")


def test_only_a_draft_of_ones_own_state_is_discarded_with_a_reason(
    sessions: sessionmaker[Session],
) -> None:
    draft = _create(sessions, status="draft")
    notified = _create(sessions)
    with pytest.raises(NotFound):  # another state's draft does not exist for RUS
        _discard(sessions, draft, FP_RUS, "not ours")
    with pytest.raises(Conflict) as refused:
        _discard(sessions, notified, FP_KAZ, "too late")
    assert refused.value.errors[0].field == "status"
    with pytest.raises(InvalidInput) as blank:
        _discard(sessions, draft, FP_KAZ, "   ")
    assert blank.value.errors[0].field == "reason"
    # The Secretariat may discard on the state's behalf.
    assert _discard(sessions, draft, SECRETARIAT, "duplicate").status == EventStatus.DISCARDED


def test_actions_offered_follow_the_rules(sessions: sessionmaker[Session]) -> None:
    draft = _create(sessions, status="draft")
    live = _create(sessions)
    shared = _create(sessions, visibility="partners")
    with write_session(sessions) as session:
        service.request_verification(
            session, actor=FP_RUS, event_id=live, data=VerificationCreate(question="Strain?")
        )
    with read_session(sessions) as session:

        def offered(actor: Any, event_id: int) -> frozenset[str]:
            return service.actions(actor, service.get(session, actor=actor, event_id=event_id))

        assert offered(FP_KAZ, draft) == {"notify", "discard", "edit_draft", "comment"}
        assert offered(SECRETARIAT, draft) >= {"notify", "discard"}
        assert offered(FP_KAZ, live) == {
            "update",
            "close",
            "answer_verification",
            "remind",
            "assess",
            "comment",
        }
        assert offered(FP_RUS, live) == {
            "acknowledge",
            "assess",
            "comment",
            "request_verification",
        }
        assert offered(SECRETARIAT, live) >= {"remind", "request_verification", "assess"}
        assert "update" in offered(SECRETARIAT, live)  # on the state's behalf
        assert offered(OBSERVER, shared) == frozenset()  # observers read, never act
