"""What the consultation pages offer is what the writes accept: each form's answer, for each
account, at each stage of a document, against the write itself (tried, then rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service
from epibridge.consultations.schemas import (
    AmendmentCreate,
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    SignatureCreate,
    VersionCreate,
)
from epibridge.db import read_session, write_session
from epibridge.errors import DomainError
from epibridge.security import PermissionDenied, Principal
from tests.consultations.scenario import (
    DEADLINE,
    NOW,
    OBSERVER_MNG,
    SECRETARIAT,
    Scenario,
    fp,
    position,
    under_decision,
    with_document,
)

ACTORS = [fp("KAZ"), fp("RUS"), fp("IND"), fp("MNG"), SECRETARIAT, OBSERVER_MNG]
STATES = ["CHN", "KAZ", "RUS", "IND", "MNG"]
LATER = NOW + timedelta(days=1)


def _draft(sessions: sessionmaker[Session]) -> tuple[Scenario, datetime]:
    return with_document(sessions), LATER


def _deciding(sessions: sessionmaker[Session]) -> tuple[Scenario, datetime]:
    return under_decision(sessions), LATER


def _all_heard(sessions: sessionmaker[Session]) -> tuple[Scenario, datetime]:
    scenario = under_decision(sessions)
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, scenario.document_id, state)
    return scenario, LATER


def _adopted(sessions: sessionmaker[Session]) -> tuple[Scenario, datetime]:
    scenario, _ = _all_heard(sessions)
    with write_session(sessions) as session:
        service.close_due_decisions(session, actor=service.SCHEDULER_ACTOR, now=DEADLINE)
    return scenario, DEADLINE + timedelta(days=1)


STAGES: dict[str, Callable[[sessionmaker[Session]], tuple[Scenario, datetime]]] = {
    "draft": _draft,
    "under decision": _deciding,
    "every state heard": _all_heard,
    "adopted": _adopted,
}


def _accepted(sessions: sessionmaker[Session], write: Callable[[Session], object]) -> bool:
    session = sessions()
    try:
        write(session)
    except (DomainError, PermissionDenied):
        return False
    finally:
        session.rollback()
        session.close()
    return True


def _writes(
    scenario: Scenario, now: datetime, version: int
) -> dict[str, Callable[[Session, Principal], object]]:
    """The write behind each yes-or-no ability, for one actor."""
    doc = scenario.document_id

    def decide(procedure: str) -> Callable[[Session, Principal], object]:
        return lambda s, a: service.put_to_decision(
            s,
            actor=a,
            document_id=doc,
            data=DecisionCreate(
                version=version,
                procedure=procedure,  # type: ignore[arg-type]
                deadline=now + timedelta(days=7),
            ),
            now=now,
        )

    return {
        "convene": lambda s, a: service.convene(
            s, actor=a, data=ConsultationCreate(topic="Another (synthetic)"), now=now
        ),
        "draft": lambda s, a: service.create_document(
            s,
            actor=a,
            consultation_id=scenario.consultation_id,
            data=DocumentCreate(kind="protocol", title="Protocol", texts={"en": "Text."}),
            now=now,
        ),
        "revise": lambda s, a: service.create_version(
            s,
            actor=a,
            document_id=doc,
            data=VersionCreate(based_on=version, texts={"en": "Revised (synthetic)."}),
            now=now,
        ),
        "put_to_decision": decide("consensus"),
        "silence": decide("silence"),
        "close_decision": lambda s, a: service.close_decision(s, actor=a, document_id=doc, now=now),
    }


@pytest.mark.parametrize("stage", list(STAGES))
def test_the_forms_are_what_the_writes_accept(sessions: sessionmaker[Session], stage: str) -> None:
    scenario, now = STAGES[stage](sessions)
    offered: dict[str, dict[str, object]] = {}
    for actor in ACTORS:
        with read_session(sessions) as session:
            can = service.document_abilities(
                session, actor=actor, document_id=scenario.document_id, now=now
            )
            version = service.get_document(
                session, actor=actor, document_id=scenario.document_id
            ).current_version
            answers = {
                "convene": service.can_convene(session, actor=actor, now=now),
                "draft": service.can_draft(
                    session, actor=actor, consultation_id=scenario.consultation_id
                ),
                "revise": can.revise,
                "put_to_decision": can.put_to_decision,
                # The silence procedure is offered as a choice of a decision round.
                "silence": can.put_to_decision and can.silence,
                "close_decision": can.close_decision,
            }
        for name, write in _writes(scenario, now, version).items():
            accepted = _accepted(sessions, lambda s, w=write, a=actor: w(s, a))
            assert answers[name] == accepted, (stage, actor.name, name)
        amending = [
            state
            for state in STATES
            if _accepted(
                sessions,
                lambda s, st=state, a=actor, v=version: service.propose_amendment(
                    s,
                    actor=a,
                    document_id=scenario.document_id,
                    data=AmendmentCreate(state=st, version=v, reason="Synthetic reason."),
                    now=now,
                ),
            )
        ]
        signing = [
            state
            for state in STATES
            if _accepted(
                sessions,
                lambda s, st=state, a=actor: service.sign(
                    s,
                    actor=a,
                    document_id=scenario.document_id,
                    data=SignatureCreate(state=st),
                    now=now,
                ),
            )
        ]
        assert (can.amendment_states, can.signing_states) == (amending, signing), (
            stage,
            actor.name,
        )
        offered[actor.name] = {k: v for k, v in answers.items() if v} | {
            "amend": can.amendment_states,
            "sign": can.signing_states,
        }
    kaz, sec = offered["fp-kaz"], offered["sec"]
    # Kazakhstan chairs: it convenes and runs the consultation; the Secretariat runs it on the
    # chair's behalf (the silence procedure included), but signs for no one.
    assert {"convene", "draft"} <= kaz.keys() and {"convene", "draft"} <= sec.keys()
    if stage == "draft":
        assert {"revise", "put_to_decision", "silence"} <= kaz.keys()
        assert kaz["amend"] == ["KAZ"] and sec["amend"] == STATES[:3]
    if stage == "every state heard":
        assert "close_decision" in kaz and "close_decision" in sec
    if stage == "under decision":
        assert "close_decision" not in kaz and "put_to_decision" not in kaz
    if stage == "adopted":
        assert kaz["sign"] == ["KAZ"] and sec["sign"] == [] and "revise" not in kaz
    # An observer, an observer state's focal point and a state taking no part only read.
    for reader in ("obs-mng", "fp-mng", "fp-ind"):
        assert offered[reader] == {"amend": [], "sign": []}, reader
