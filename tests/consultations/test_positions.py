"""Who may record a position: what the page offers is exactly what recording accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service
from epibridge.consultations.schemas import PositionCreate, VersionCreate
from epibridge.db import read_session, write_session
from epibridge.errors import DomainError
from epibridge.security import Principal
from tests.consultations.scenario import (
    DEADLINE,
    NOW,
    OBSERVER_MNG,
    SECRETARIAT,
    fp,
    position,
    under_decision,
)

ACTORS = [fp("KAZ"), fp("RUS"), fp("IND"), fp("MNG"), SECRETARIAT, OBSERVER_MNG]
STATES = ["CHN", "KAZ", "RUS", "IND", "MNG"]


def _superseded(sessions: sessionmaker[Session], document_id: int) -> None:
    with write_session(sessions) as session:
        service.create_version(
            session,
            actor=fp("KAZ"),
            document_id=document_id,
            data=VersionCreate(based_on=1, texts={"en": "Revised (synthetic)."}),
            now=NOW,
        )


def _adopted(sessions: sessionmaker[Session], document_id: int) -> None:
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, document_id, state)
    with write_session(sessions) as session:
        service.close_due_decisions(session, actor=service.SCHEDULER_ACTOR, now=DEADLINE)


CASES: dict[str, tuple[Callable[[sessionmaker[Session], int], None] | None, datetime]] = {
    "open decision": (None, NOW + timedelta(days=1)),
    "after the deadline": (None, DEADLINE + timedelta(seconds=1)),
    "superseded version": (_superseded, NOW + timedelta(days=1)),
    "adopted document": (_adopted, DEADLINE + timedelta(days=1)),
}


def _accepted(
    sessions: sessionmaker[Session], actor: Principal, state: str, document_id: int, now: datetime
) -> bool:
    """Whether recording is accepted; the attempt is rolled back either way."""
    session = sessions()
    try:
        service.record_position(
            session,
            actor=actor,
            document_id=document_id,
            data=PositionCreate(state=state, version=1, position="support"),
            now=now,
        )
    except DomainError:
        return False
    finally:
        session.rollback()
        session.close()
    return True


@pytest.mark.parametrize("case", list(CASES))
def test_the_offer_is_what_recording_accepts(sessions: sessionmaker[Session], case: str) -> None:
    prepare, now = CASES[case]
    scenario = under_decision(sessions)
    if prepare is not None:
        prepare(sessions, scenario.document_id)
    offered: dict[str, list[str]] = {}
    for actor in ACTORS:
        with read_session(sessions) as session:
            offered[actor.name] = service.position_states(
                session, actor=actor, document_id=scenario.document_id, now=now
            )
        accepted = [
            state
            for state in STATES
            if _accepted(sessions, actor, state, scenario.document_id, now)
        ]
        assert offered[actor.name] == accepted, (case, actor.name)
    if case == "open decision":
        # A focal point speaks for its own deciding state, the Secretariat for any of them;
        # India takes no part and Mongolia is an invited observer without a say.
        assert offered == {
            "fp-kaz": ["KAZ"],
            "fp-rus": ["RUS"],
            "fp-ind": [],
            "fp-mng": [],
            "sec": ["CHN", "KAZ", "RUS"],
            "obs-mng": [],
        }
    else:
        assert not any(offered.values()), case
