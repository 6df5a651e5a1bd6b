"""What the assistance pages offer is what the writes accept: each ability of each account, at
each stage of a commitment, against the write itself (tried, then rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service
from epibridge.assistance.schemas import (
    CommitmentCreate,
    CommitmentStatusUpdate,
    OfferCreate,
    RequestCreate,
)
from epibridge.assistance.statuses import COMMITMENT_STEPS
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import DomainError
from epibridge.security import PermissionDenied, Principal, Role

FP_KGZ = Principal(user_id=1, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
FP_RUS = Principal(user_id=3, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
SECRETARIAT = Principal(user_id=4, name="sec", role=Role.SECRETARIAT)
OBSERVER = Principal(user_id=5, name="obs-mng", role=Role.OBSERVER, state="MNG")
ACTORS = [FP_KGZ, FP_CHN, FP_RUS, SECRETARIAT, OBSERVER]
#: The stages a commitment is tried at, reached by these steps from pledged.
STAGES = {"pledged": [], "dispatched": ["dispatched"], "delivered": ["dispatched", "delivered"]}


def _today() -> date:
    return utcnow().date()


def _seed(sessions: sessionmaker[Session], steps: list[str]) -> tuple[int, int, int, int]:
    """A KGZ request (shared with partners), a CHN offer pledged to it, a spare CHN offer."""
    with write_session(sessions) as session:
        request = service.create_request(
            session,
            actor=FP_KGZ,
            data=RequestCreate.model_validate(
                {
                    "state": "KGZ",
                    "urgency": "immediate",
                    "delivery_point": "Bishkek (synthetic)",
                    "needed_by": _today() + timedelta(days=10),
                    "visibility": "partners",
                    "lines": [{"item": "ppe-respirator", "quantity": 9000, "unit": "piece"}],
                }
            ),
        )
        offer = service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": request.id,
                    "commit": True,
                    "visibility": "partners",
                    "lines": [{"item": "ppe-respirator", "quantity": 3000, "unit": "piece"}],
                }
            ),
        )
        spare = service.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "visibility": "partners",
                    "lines": [{"item": "ppe-respirator", "quantity": 1000, "unit": "piece"}],
                }
            ),
        )
        session.flush()
        commitment = service.list_commitments(session, actor=FP_CHN, offer_id=offer.id).items[0]
        for step in steps:
            actor = FP_KGZ if step == "confirmed" else FP_CHN
            service.change_status(
                session,
                actor=actor,
                commitment_id=commitment.id,
                data=CommitmentStatusUpdate.model_validate({"status": step}),
            )
        return request.id, offer.id, spare.id, commitment.id


def _accepted(sessions: sessionmaker[Session], write: Callable[[Session], object]) -> bool:
    """Whether ``write`` is accepted; rolled back either way, so every try starts alike."""
    session = sessions()
    try:
        write(session)
    except (DomainError, PermissionDenied):
        return False
    finally:
        session.rollback()
        session.close()
    return True


@pytest.mark.parametrize("stage", list(STAGES))
def test_the_buttons_are_what_the_writes_accept(
    sessions: sessionmaker[Session], stage: str
) -> None:
    request_id, offer_id, spare_id, commitment_id = _seed(sessions, STAGES[stage])
    with read_session(sessions) as session:
        spare_line = service.get_offer(session, actor=FP_CHN, offer_id=spare_id).lines[0].id
        need_line = service.get_request(session, actor=FP_KGZ, request_id=request_id).lines[0].id
    offered: dict[str, object] = {}
    for actor in ACTORS:
        with read_session(sessions) as session:
            on_request = service.request_abilities(session, actor=actor, request_id=request_id)
            on_offer = service.offer_abilities(session, actor=actor, offer_id=offer_id)
        offered[actor.name] = (
            on_request.cancel,
            on_request.answer,
            sorted(on_request.pledge_from),
            list(on_request.steps[commitment_id]),
        )
        assert on_offer.steps == on_request.steps
        assert on_request.cancel == _accepted(
            sessions,
            lambda s, a=actor: service.cancel_request(s, actor=a, request_id=request_id),
        )
        assert on_offer.withdraw == _accepted(
            sessions, lambda s, a=actor: service.withdraw_offer(s, actor=a, offer_id=offer_id)
        )
        assert on_request.answer == _accepted(
            sessions,
            lambda s, a=actor: service.create_offer(
                s,
                actor=a,
                data=OfferCreate.model_validate(
                    {
                        "state": a.state,
                        "request_id": request_id,
                        "lines": [{"item": "ppe-respirator", "quantity": 1, "unit": "piece"}],
                    }
                ),
            ),
        )
        assert (spare_id in on_request.pledge_from) == _accepted(
            sessions,
            lambda s, a=actor: service.commit(
                s,
                actor=a,
                data=CommitmentCreate(
                    request_line_id=need_line, offer_line_id=spare_line, quantity=10
                ),
            ),
        )
        for target in COMMITMENT_STEPS:
            assert (target in on_request.steps[commitment_id]) == _accepted(
                sessions,
                lambda s, a=actor, t=target: service.change_status(
                    s,
                    actor=a,
                    commitment_id=commitment_id,
                    data=CommitmentStatusUpdate.model_validate({"status": t}),
                ),
            ), (stage, actor.name, target)
    # The requester cancels and confirms receipt; the offerer moves its goods on and withdraws;
    # another state answers; an observer reads only.
    nxt = {"pledged": "dispatched", "dispatched": "delivered", "delivered": "confirmed"}[stage]
    releasable = ["released"] if stage != "delivered" else []
    offerer_steps = ([nxt] if nxt != "confirmed" else []) + releasable
    requester_steps = ["confirmed"] if nxt == "confirmed" else []
    assert offered["fp-kgz"] == (True, False, [], requester_steps)
    assert offered["fp-chn"] == (False, True, [spare_id], offerer_steps)
    assert offered["fp-rus"] == (False, True, [], [])
    assert offered["obs-mng"] == (False, False, [], [])
    assert offered["sec"] == (
        True,
        True,
        [spare_id],
        sorted(offerer_steps + requester_steps, key=list(COMMITMENT_STEPS).index),
    )
