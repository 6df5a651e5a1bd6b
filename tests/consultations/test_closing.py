"""Closing a consultation, through the service on both databases: who may, when, and what a
closed consultation refuses afterwards (each refusal names the act, and writes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry, verify_chain
from epibridge.consultations import service, views
from epibridge.consultations.schemas import (
    AgendaItemIn,
    AmendmentCreate,
    ConsultationClose,
    ConsultationRequest,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
    RecordEntryCreate,
    SignatureCreate,
    VersionCreate,
)
from epibridge.consultations.service.common import CLOSED_REFUSALS
from epibridge.consultations.statuses import ClosingOutcome, ConsultationStatus
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, DomainError, Forbidden, InvalidInput
from epibridge.i18n import message
from epibridge.notifications.outbox.models import OutboxMessage
from tests.consultations.scenario import (
    DEADLINE,
    NOW,
    SECRETARIAT,
    TEXT_EN,
    Scenario,
    footprint,
    fp,
    position,
    topics,
    under_decision,
    with_document,
)

LATER = NOW + timedelta(days=2)
CLOSED_AT = NOW + timedelta(days=3)


def _close(
    sessions: sessionmaker[Session],
    consultation_id: int,
    outcome: str = "no_consensus",
    reason: str | None = "The members could not agree on the data to share.",
    *,
    actor=None,  # type: ignore[no-untyped-def]
) -> None:
    with write_session(sessions) as session:
        service.close_consultation(
            session,
            actor=actor or fp("KAZ"),
            consultation_id=consultation_id,
            data=ConsultationClose(outcome=outcome, reason=reason),  # type: ignore[arg-type]
            now=CLOSED_AT,
        )


def _adopted(sessions: sessionmaker[Session]) -> Scenario:
    """A consultation whose document all three members supported and the chair adopted."""
    scenario = under_decision(sessions)
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, scenario.document_id, state)
    with write_session(sessions) as session:
        service.close_decision(
            session, actor=fp("KAZ"), document_id=scenario.document_id, now=LATER
        )
    return scenario


def test_the_convenor_closes_with_outcome_reason_audit_and_message(
    sessions: sessionmaker[Session],
) -> None:
    scenario = _adopted(sessions)
    _close(sessions, scenario.consultation_id, "adopted", None)
    with read_session(sessions) as session:
        row = service.get(session, actor=fp("RUS"), consultation_id=scenario.consultation_id)
        read = views.consultation_read(session, row)
        assert read.status == ConsultationStatus.CLOSED
        assert read.closed_at == CLOSED_AT
        assert read.closed_by == "user:fp-kaz"
        assert read.closing_outcome == ClosingOutcome.ADOPTED
        assert read.closing_reason is None
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "close").order_by(AuditEntry.id.desc())
        ).scalar_one()
        assert entry.entity_id == str(scenario.consultation_id)
        assert entry.detail["outcome"] == "adopted"
        assert entry.detail["adopted_documents"] == ["SCO/BIO/2024/001"]
        assert verify_chain(session)[1] is None
        assert topics(session)[-1] == "consultation.closed"
        sent = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == "consultation.closed")
        ).scalar_one()
        assert sent.payload["status"] == "closed"
        assert sent.payload["outcome"] == "adopted"
        assert sorted(sent.states) == ["CHN", "KAZ", "MNG", "RUS"]


def test_the_secretariat_closes_for_the_chair(sessions: sessionmaker[Session]) -> None:
    scenario = with_document(sessions)
    _close(sessions, scenario.consultation_id, "withdrawn", "The event is over.", actor=SECRETARIAT)
    with read_session(sessions) as session:
        row = service.get(session, actor=SECRETARIAT, consultation_id=scenario.consultation_id)
        assert (row.status, row.closed_by, row.closing_reason) == (
            ConsultationStatus.CLOSED,
            "user:sec",
            "The event is over.",
        )
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "close")).scalar_one()
        assert entry.detail["on_behalf"] is True


@pytest.mark.parametrize("who", [fp("RUS"), fp("MNG")])
def test_only_the_convenor_closes(sessions: sessionmaker[Session], who) -> None:  # type: ignore[no-untyped-def]
    scenario = with_document(sessions)
    with read_session(sessions) as session:
        before = footprint(session)
        assert service.closing_outcomes(
            session, actor=fp("KAZ"), consultation_id=scenario.consultation_id
        ) == [ClosingOutcome.NO_CONSENSUS, ClosingOutcome.WITHDRAWN]
    with pytest.raises(Forbidden) as refused:
        _close(sessions, scenario.consultation_id, actor=who)
    assert refused.value.errors[0].field == "convenor"
    with read_session(sessions) as session:
        assert footprint(session) == before


def test_not_while_a_decision_round_is_open(sessions: sessionmaker[Session]) -> None:
    scenario = under_decision(sessions)
    with read_session(sessions) as session:
        before = footprint(session)
        assert (
            service.closing_outcomes(
                session, actor=fp("KAZ"), consultation_id=scenario.consultation_id
            )
            == []
        )
    with pytest.raises(Conflict) as refused:
        _close(sessions, scenario.consultation_id)
    assert refused.value.errors[0].field == "document_id"
    assert refused.value.params["deadline"] == DEADLINE.isoformat()
    russian = message(refused.value.detail_id, refused.value.params, "ru")
    assert russian.startswith(f"документ {scenario.document_id} (Joint statement")
    with read_session(sessions) as session:
        assert footprint(session) == before


def test_adopted_needs_an_adopted_document_and_other_outcomes_a_reason(
    sessions: sessionmaker[Session],
) -> None:
    scenario = with_document(sessions)
    with pytest.raises(InvalidInput) as refused:
        _close(sessions, scenario.consultation_id, "adopted", None)
    assert refused.value.errors[0].field == "outcome"
    with pytest.raises(InvalidInput) as refused:
        _close(sessions, scenario.consultation_id, "no_consensus", "   ")
    assert refused.value.errors[0].field == "reason"
    with read_session(sessions) as session:
        row = service.get(session, actor=fp("KAZ"), consultation_id=scenario.consultation_id)
        assert row.status == ConsultationStatus.OPEN


def test_a_request_not_answered_is_not_closed(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        requested = service.request(
            session,
            actor=fp("RUS"),
            data=ConsultationRequest(
                state="RUS", topic="Plague in marmots (synthetic)", reason="Cases near the border"
            ),
            now=NOW,
        ).id
    with pytest.raises(Conflict) as refused:
        _close(sessions, requested)
    assert refused.value.params["status"] == "requested"


def test_closed_once(sessions: sessionmaker[Session]) -> None:
    scenario = with_document(sessions)
    _close(sessions, scenario.consultation_id)
    with pytest.raises(Conflict) as refused:
        _close(sessions, scenario.consultation_id, "withdrawn", "again")
    assert refused.value.params == {"id": scenario.consultation_id, "day": "2024-03-04"}


def _refusals(scenario: Scenario) -> dict[str, Callable[[Session], object]]:
    """Each write a closed consultation refuses, as the role that could do it before."""
    document_id, consultation_id = scenario.document_id, scenario.consultation_id
    return {
        "agenda": lambda s: service.set_agenda(
            s,
            actor=fp("KAZ"),
            consultation_id=consultation_id,
            items=[AgendaItemIn(title="More")],
            now=CLOSED_AT,
        ),
        "record": lambda s: service.add_record_entry(
            s,
            actor=fp("RUS"),
            consultation_id=consultation_id,
            data=RecordEntryCreate(text="A late note", state="RUS"),
            now=CLOSED_AT,
        ),
        "draft": lambda s: service.create_document(
            s,
            actor=fp("KAZ"),
            consultation_id=consultation_id,
            data=DocumentCreate(kind="protocol", title="A late protocol", texts={"en": TEXT_EN}),
            now=CLOSED_AT,
        ),
        "version": lambda s: service.create_version(
            s,
            actor=fp("KAZ"),
            document_id=document_id,
            data=VersionCreate(based_on=1, texts={"en": TEXT_EN + " Revised."}),
            now=CLOSED_AT,
        ),
        "amendment": lambda s: service.propose_amendment(
            s,
            actor=fp("RUS"),
            document_id=document_id,
            data=AmendmentCreate(state="RUS", version=1, reason="Add a clause"),
            now=CLOSED_AT,
        ),
        "decision": lambda s: service.put_to_decision(
            s,
            actor=fp("KAZ"),
            document_id=document_id,
            data=DecisionCreate(version=1, deadline=CLOSED_AT + timedelta(days=7)),
            now=CLOSED_AT,
        ),
        "position": lambda s: service.record_position(
            s,
            actor=fp("RUS"),
            document_id=document_id,
            data=PositionCreate(state="RUS", version=1, position="support"),  # type: ignore[arg-type]
            now=CLOSED_AT,
        ),
    }


@pytest.mark.parametrize(
    "act", ["agenda", "record", "draft", "version", "amendment", "decision", "position"]
)
def test_a_closed_consultation_refuses_each_write(
    sessions: sessionmaker[Session], act: str
) -> None:
    scenario = with_document(sessions)
    _close(sessions, scenario.consultation_id)
    with read_session(sessions) as session:
        before = footprint(session)
    with pytest.raises(Conflict) as refused, write_session(sessions) as session:
        _refusals(scenario)[act](session)
    assert refused.value.detail_id == CLOSED_REFUSALS[act]
    assert refused.value.errors[0].field == "consultation_id"
    russian = message(refused.value.detail_id, refused.value.params, "ru")
    assert russian.startswith(f"консультация {scenario.consultation_id} закрыта 2024-03-04")
    with read_session(sessions) as session:
        assert footprint(session) == before


def test_after_closing_no_position_or_signature(sessions: sessionmaker[Session]) -> None:
    scenario = _adopted(sessions)
    _close(sessions, scenario.consultation_id, "adopted", None)
    with read_session(sessions) as session:
        before = footprint(session)
        can = service.document_abilities(
            session, actor=fp("RUS"), document_id=scenario.document_id, now=CLOSED_AT
        )
        assert (can.signing_states, can.amendment_states, can.position_states) == ([], [], [])
        assert not can.revise and not can.put_to_decision
    with pytest.raises(DomainError) as refused, write_session(sessions) as session:
        service.sign(
            session,
            actor=fp("RUS"),
            document_id=scenario.document_id,
            data=SignatureCreate(state="RUS"),
            now=CLOSED_AT,
        )
    assert refused.value.detail_id == CLOSED_REFUSALS["signature"]
    with pytest.raises(DomainError) as refused, write_session(sessions) as session:
        service.record_position(
            session,
            actor=fp("RUS"),
            document_id=scenario.document_id,
            data=PositionCreate(state="RUS", version=1, position="support"),  # type: ignore[arg-type]
            now=CLOSED_AT,
        )
    assert refused.value.status == 409
    with read_session(sessions) as session:
        assert footprint(session) == before
