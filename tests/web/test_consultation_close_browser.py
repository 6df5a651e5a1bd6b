"""Closing a consultation in Chromium: the chair's focal point (Kyrgyzstan chairs now) closes it
through its page once the decision round is over, a missing reason is named beside the field,
and a participant then sees it closed, who closed it, when and why, with no form left to send.
Each result is read on the page and in the database. All texts are synthetic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.consultations import service as consultations
from epibridge.consultations.schemas import (
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
)
from epibridge.db import read_session, utcnow, write_session
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import Principal, Role
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

SECRETARIAT = Principal(user_id=0, name="sec", role=Role.SECRETARIAT)
OBJECTION = "Our data law forbids it (synthetic)."
REASON = "The members could not agree which laboratory data to share (synthetic)."


def fp(state: str) -> Principal:
    return Principal(user_id=0, name=f"fp-{state.lower()}", role=Role.FOCAL_POINT, state=state)


def _under_decision(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """A consultation the chair (Kyrgyzstan) convened, its draft under decision for a week."""
    with write_session(sessions) as session:
        consultation = consultations.convene(
            session,
            actor=fp("KGZ"),
            data=ConsultationCreate(
                topic="Laboratory data sharing (synthetic)", participants=["KAZ", "KGZ", "RUS"]
            ),
        )
        document = consultations.create_document(
            session,
            actor=fp("KGZ"),
            consultation_id=consultation.id,
            data=DocumentCreate(
                kind="joint_statement",
                title="Joint statement on laboratory data (synthetic)",
                texts={"en": "The member states share laboratory results (synthetic text)."},
            ),
        )
        consultations.put_to_decision(
            session,
            actor=fp("KGZ"),
            document_id=document.id,
            data=DecisionCreate(version=1, deadline=utcnow().replace(year=utcnow().year + 1)),
        )
        return consultation.id, document.id


def test_the_chair_closes_and_a_participant_sees_it_closed(web: Site) -> None:
    consultation_id, document_id = _under_decision(web.sessions)
    path = f"/consultations/{consultation_id}"
    web.user("fp-kgz", "focal_point", "KGZ")
    web.user("fp-kaz", "focal_point", "KAZ")
    kgz = web.sign_in("fp-kgz")
    kaz = web.sign_in("fp-kaz")

    # While its draft is under decision the consultation cannot be closed: no form.
    web.go(kgz, path)
    expect(kgz.locator("#close-form")).to_have_count(0)
    # A member never gets the form.
    web.go(kaz, path)
    expect(kaz.locator("#close-form")).to_have_count(0)

    # The round ends with Kazakhstan's objection (recorded through the service): rejected.
    _object_and_close_round(web.sessions, document_id)

    web.go(kgz, path)
    form = kgz.locator("#close-form")
    expect(form).to_have_count(1)
    # Nothing was adopted: "ended with adopted documents" is not offered.
    expect(form.locator("input[name=outcome]")).to_have_count(2)
    form.get_by_label("Ended without consensus").check()
    kgz.get_by_role("button", name="Close the consultation").click()
    # No reason: named beside the field, nothing closed.
    expect(kgz.locator("#reason-error")).to_be_visible()
    expect(kgz.locator("#close")).to_contain_text("Reason")
    with read_session(web.sessions) as session:
        row = consultations.get(session, actor=SECRETARIAT, consultation_id=consultation_id)
        assert row.status == "open"
    kgz.get_by_label("Reason").fill(REASON)
    web.shoot(kgz, "consultation-close-form")
    kgz.get_by_role("button", name="Close the consultation").click()
    expect(kgz.locator(".ok")).to_have_text(
        "The consultation is closed; the participating states are told."
    )
    expect(kgz.locator("#consultation-status")).to_have_text("Closed")
    expect(kgz.locator("#closed")).to_contain_text("Ended without consensus")
    expect(kgz.locator("#closed")).to_contain_text(REASON)
    expect(kgz.locator("#close-form")).to_have_count(0)
    expect(kgz.locator("#draft-form")).to_have_count(0)

    with read_session(web.sessions) as session:
        row = consultations.get(session, actor=SECRETARIAT, consultation_id=consultation_id)
        assert (row.status, row.closing_outcome, row.closing_reason) == (
            "closed",
            "no_consensus",
            REASON,
        )
        assert row.closed_by == "user:fp-kgz" and row.closed_at is not None
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "close", AuditEntry.entity_id == str(consultation_id)
            )
        ).scalar_one()
        assert entry.detail["outcome"] == "no_consensus"
        assert session.execute(
            select(OutboxMessage.states).where(OutboxMessage.topic == "consultation.closed")
        ).scalar_one() == ["KAZ", "KGZ", "RUS"]

    # Kazakhstan sees it closed, who closed it and why; its document offers no form.
    web.go(kaz, path)
    expect(kaz.locator("#consultation-status")).to_have_text("Closed")
    expect(kaz.locator("#closed")).to_contain_text("user:fp-kgz")
    expect(kaz.locator("#closed")).to_contain_text(REASON)
    web.shoot(kaz, "consultation-closed")
    web.go(kaz, f"{path}/documents/{document_id}")
    expect(kaz.locator("#consultation-closed")).to_be_visible()
    expect(kaz.locator("main form")).to_have_count(0)
    # The list says it too, and in Russian and Chinese.
    web.go(kaz, "/consultations")
    expect(kaz.locator("main")).to_contain_text("Closed")
    for lang, word in (("ru", "Закрыт"), ("zh", "已关闭")):
        web.go(kaz, f"{path}?lang={lang}")
        expect(kaz.locator("#consultation-status")).to_contain_text(word)
        web.shoot(kaz, "consultation-closed")


def _object_and_close_round(sessions: sessionmaker[Session], document_id: int) -> None:
    """Kazakhstan objects, the others support; the chair closes the round (rejected)."""
    with write_session(sessions) as session:
        for state, position in (("KAZ", "object"), ("KGZ", "support"), ("RUS", "support")):
            consultations.record_position(
                session,
                actor=fp(state),
                document_id=document_id,
                data=PositionCreate(
                    state=state,
                    version=1,
                    position=position,  # type: ignore[arg-type]
                    reasons="Our data law forbids it (synthetic)."
                    if position == "object"
                    else None,
                ),
            )
        decision = consultations.close_decision(session, actor=fp("KGZ"), document_id=document_id)
        assert decision.status == "rejected"
