"""Assistance rules on both databases: lines and units, matching, delivery, permissions."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service
from epibridge.assistance.schemas import (
    CommitmentCreate,
    CommitmentStatusUpdate,
    LineIn,
    OfferCreate,
    RequestCreate,
    RequestUpdate,
)
from epibridge.audit import AuditEntry
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, InvalidInput, NotFound
from epibridge.notifications import service as notifications
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas import NotificationCreate
from epibridge.security import PermissionDenied, Principal, Role

FP_KGZ = Principal(user_id=1, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
FP_RUS = Principal(user_id=3, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
SECRETARIAT = Principal(user_id=4, name="sec", role=Role.SECRETARIAT)
OBSERVER = Principal(user_id=5, name="obs-mng", role=Role.OBSERVER, state="MNG")
TODAY = date(2026, 11, 22)


def _request(**overrides: object) -> RequestCreate:
    values: dict[str, object] = {
        "state": "KGZ",
        "urgency": "immediate",
        "delivery_point": "Bishkek, Manas airport cargo terminal",
        "needed_by": TODAY + timedelta(days=10),
        "lines": [
            {"item": "ppe-respirator", "quantity": 10000, "unit": "piece"},
            {"item": "oxygen-concentrator", "quantity": 50, "unit": "piece"},
        ],
    }
    values.update(overrides)
    return RequestCreate.model_validate(values)


def _offer(**overrides: object) -> OfferCreate:
    values: dict[str, object] = {
        "state": "CHN",
        "lines": [{"item": "ppe-respirator", "quantity": 6000, "unit": "piece"}],
    }
    values.update(overrides)
    return OfferCreate.model_validate(values)


@pytest.mark.parametrize(
    ("lines", "field", "text"),
    [
        ([{"item": "ppe-gloves", "quantity": 100, "unit": "piece"}], "lines.0.unit", "pair"),
        (
            [
                {"item": "ppe-gloves", "quantity": 100, "unit": "pair"},
                {"item": "vaccine", "quantity": -5, "unit": "dose"},
            ],
            "lines.1.quantity",
            "line 2",
        ),
        ([{"item": "vaccine", "quantity": 0, "unit": "dose"}], "lines.0.quantity", "zero"),
        ([{"item": "unicorns", "quantity": 1, "unit": "piece"}], "lines.0.item", "catalogue"),
        (
            [
                {"item": "vaccine", "quantity": 1, "unit": "dose"},
                {"item": "vaccine", "quantity": 2, "unit": "dose"},
            ],
            "lines.1.item",
            "twice",
        ),
    ],
)
def test_bad_lines_name_the_line(
    sessions: sessionmaker[Session], lines: list[dict[str, object]], field: str, text: str
) -> None:
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.create_request(session, actor=FP_KGZ, data=_request(lines=lines), today=TODAY)
    errors = {e.field: e.message for e in caught.value.errors}
    assert field in errors and text in errors[field]
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.create_offer(session, actor=FP_CHN, data=_offer(lines=lines), today=TODAY)
    assert field in {e.field for e in caught.value.errors}
    with read_session(sessions) as session:
        assert service.list_requests(session, actor=SECRETARIAT).items == []


def test_request_rules_and_rights(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.create_request(session, actor=FP_CHN, data=_request(), today=TODAY)
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.create_request(
            session,
            actor=FP_KGZ,
            data=_request(needed_by=TODAY - timedelta(days=1), event_id=424242),
            today=TODAY,
        )
    assert {e.field for e in caught.value.errors} == {"needed_by", "event_id"}
    with write_session(sessions) as session:
        event = notifications.create(
            session,
            actor=FP_KGZ,
            data=NotificationCreate(
                title="Cholera cluster (synthetic test event)", disease="A00", onset_date=TODAY
            ),
        )
        mine = service.create_request(
            session, actor=FP_KGZ, data=_request(event_id=event.id), today=TODAY
        )
        behalf = service.create_request(
            session,
            actor=SECRETARIAT,
            data=_request(state="TJK", visibility="partners"),
            today=TODAY,
        )
        assert behalf.on_behalf and not mine.on_behalf
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.update_request(
            session, actor=FP_CHN, request_id=mine.id, data=RequestUpdate(urgency="future")
        )
    with write_session(sessions) as session:
        service.update_request(
            session,
            actor=FP_KGZ,
            request_id=mine.id,
            data=RequestUpdate(urgency="expected"),
            today=TODAY,
        )
    with read_session(sessions) as session:
        # Observers see only what is shared with partners.
        seen = service.list_requests(session, actor=OBSERVER).items
        assert [r.id for r in seen] == [behalf.id]
        with pytest.raises(NotFound):
            service.get_request(session, actor=OBSERVER, request_id=mine.id)
        read = service.get_request(session, actor=FP_RUS, request_id=mine.id)
        assert read.urgency == "expected" and read.message_kind == "RequestResource"
        assert read.event_id == event.id
        linked = service.list_requests(session, actor=FP_RUS, event_id=event.id).items
        assert [r.id for r in linked] == [mine.id]
        assert [line.remaining for line in read.lines] == [10000, 50]


def test_matching_delivery_confirmation_and_messages(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        request = service.create_request(session, actor=FP_KGZ, data=_request(), today=TODAY)
        respirators, oxygen = (line.id for line in request.lines)
        # China answers and pledges at once; Russia offers unsolicited; the Secretariat too.
        answer = service.create_offer(
            session,
            actor=FP_CHN,
            data=_offer(
                request_id=request.id, commit=True, expected_delivery=TODAY + timedelta(days=5)
            ),
            today=TODAY,
        )
        unsolicited = service.create_offer(
            session,
            actor=FP_RUS,
            data=_offer(
                state="RUS",
                lines=[
                    {"item": "ppe-respirator", "quantity": 9000, "unit": "piece"},
                    {"item": "oxygen-concentrator", "quantity": 20, "unit": "piece"},
                ],
            ),
            today=TODAY,
        )
        own = service.create_offer(
            session,
            actor=SECRETARIAT,
            data=_offer(
                state=None, lines=[{"item": "oxygen-concentrator", "quantity": 5, "unit": "piece"}]
            ),
            today=TODAY,
        )
    assert answer.message_kind == "ResponseToRequestResource"
    assert unsolicited.message_kind == "OfferUnsolicitedResource" and own.state is None
    with read_session(sessions) as session:
        read = service.get_request(session, actor=FP_KGZ, request_id=request.id)
        assert [(x.pledged, x.remaining) for x in read.lines] == [(6000, 4000), (0, 50)]
        suggestions = service.suggest_matches(session, actor=SECRETARIAT, request_id=request.id)
        assert {(s["offered_by"], s["item"], s["quantity"]) for s in suggestions} == {
            ("RUS", "ppe-respirator", 4000),
            ("RUS", "oxygen-concentrator", 20),
            ("SECRETARIAT", "oxygen-concentrator", 5),
        }
    rus_resp, rus_oxygen = (line.id for line in unsolicited.lines)

    # Too much, wrong item, someone else's offer: refused.
    bad = [
        (
            FP_RUS,
            CommitmentCreate(request_line_id=respirators, offer_line_id=rus_resp, quantity=4001),
            InvalidInput,
            "quantity",
        ),
        (
            FP_RUS,
            CommitmentCreate(request_line_id=oxygen, offer_line_id=rus_resp, quantity=1),
            InvalidInput,
            "offer_line_id",
        ),
        (
            FP_RUS,
            CommitmentCreate(request_line_id=oxygen, offer_line_id=rus_oxygen, quantity=-3),
            InvalidInput,
            "quantity",
        ),
        (
            FP_CHN,
            CommitmentCreate(request_line_id=oxygen, offer_line_id=rus_oxygen, quantity=3),
            PermissionDenied,
            None,
        ),
    ]
    for actor, data, error, field in bad:
        with pytest.raises(error) as caught, write_session(sessions) as session:
            service.commit(session, actor=actor, data=data, today=TODAY)
        if field:
            assert field in {e.field for e in caught.value.errors}  # type: ignore[attr-defined]

    with write_session(sessions) as session:
        partial = service.commit(
            session,
            actor=FP_RUS,
            data=CommitmentCreate(
                request_line_id=oxygen,
                offer_line_id=rus_oxygen,
                quantity=20,
                expected_delivery=TODAY + timedelta(days=3),
            ),
            today=TODAY,
        )
        by_secretariat = service.commit(
            session,
            actor=SECRETARIAT,
            data=CommitmentCreate(
                request_line_id=respirators, offer_line_id=rus_resp, quantity=4000
            ),
            today=TODAY,
        )
    with read_session(sessions) as session:
        read = service.get_request(session, actor=FP_KGZ, request_id=request.id)
        assert [x.remaining for x in read.lines] == [0, 30]  # the need still visible
        rus = service.get_offer(session, actor=FP_KGZ, offer_id=unsolicited.id)
        assert [x.remaining for x in rus.lines] == [5000, 0]

    step = CommitmentStatusUpdate
    with pytest.raises(Conflict), write_session(sessions) as session:
        service.change_status(
            session,
            actor=FP_RUS,
            commitment_id=partial.id,
            data=step(status="delivered"),
            today=TODAY,
        )
    with write_session(sessions) as session:
        service.change_status(
            session,
            actor=FP_RUS,
            commitment_id=partial.id,
            data=step(status="dispatched"),
            today=TODAY + timedelta(days=1),
        )
        service.change_status(
            session,
            actor=FP_RUS,
            commitment_id=partial.id,
            data=step(status="delivered"),
            today=TODAY + timedelta(days=2),
        )
    # Only the requesting state confirms receipt.
    for stranger in (FP_RUS, FP_CHN):
        with pytest.raises(PermissionDenied), write_session(sessions) as session:
            service.change_status(
                session,
                actor=stranger,
                commitment_id=partial.id,
                data=step(status="confirmed"),
                today=TODAY + timedelta(days=2),
            )
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.change_status(
            session,
            actor=FP_KGZ,
            commitment_id=partial.id,
            data=step(status="confirmed", on=TODAY + timedelta(days=1)),
            today=TODAY + timedelta(days=2),
        )
    assert caught.value.errors[0].field == "on"
    with write_session(sessions) as session:
        confirmed = service.change_status(
            session,
            actor=FP_KGZ,
            commitment_id=partial.id,
            data=step(status="confirmed"),
            today=TODAY + timedelta(days=2),
        )
        assert confirmed.confirmed_on == TODAY + timedelta(days=2)
        assert confirmed.dispatched_on == TODAY + timedelta(days=1)
    with pytest.raises(Conflict), write_session(sessions) as session:
        service.change_status(
            session,
            actor=FP_RUS,
            commitment_id=partial.id,
            data=step(status="released"),
            today=TODAY + timedelta(days=2),
        )
    # Releasing gives the quantity back to the need and to the offer.
    with write_session(sessions) as session:
        service.change_status(
            session,
            actor=FP_RUS,
            commitment_id=by_secretariat.id,
            data=step(status="released"),
            today=TODAY + timedelta(days=2),
        )
    with read_session(sessions) as session:
        read = service.get_request(session, actor=FP_KGZ, request_id=request.id)
        assert [(x.remaining, x.confirmed) for x in read.lines] == [(4000, 0), (30, 20)]
        messages = [
            (m.topic, m.states)
            for m in session.execute(
                select(OutboxMessage).order_by(OutboxMessage.created_at)
            ).scalars()
            if m.topic.startswith("assistance.")
        ]
        topics = [t for t, _ in messages]
        assert topics.count("assistance.requested") == 1
        assert topics.count("assistance.offered") == 3
        assert topics.count("assistance.committed") == 3
        assert topics.count("assistance.status_changed") == 3
        assert topics.count("assistance.released") == 1
        assert ("assistance.committed", ["KGZ", "RUS"]) in messages
        actions = set(
            session.execute(
                select(AuditEntry.action).where(AuditEntry.entity.like("assistance_%"))
            ).scalars()
        )
        assert {
            "request",
            "offer",
            "commit",
            "dispatched",
            "delivered",
            "confirmed",
            "released",
        } <= actions


def test_overdue_board_cancel_and_withdraw(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        request = service.create_request(
            session, actor=FP_KGZ, data=_request(needed_by=TODAY + timedelta(days=2)), today=TODAY
        )
        offer = service.create_offer(
            session,
            actor=FP_CHN,
            data=_offer(
                request_id=request.id, commit=True, expected_delivery=TODAY + timedelta(days=1)
            ),
            today=TODAY,
        )
        other = service.create_request(
            session,
            actor=FP_RUS,
            data=_request(
                state="RUS",
                urgency="future",
                lines=[{"item": "test-pcr", "quantity": 500, "unit": "test"}],
            ),
            today=TODAY,
        )
    later = TODAY + timedelta(days=5)
    with read_session(sessions) as session:
        board = service.board(session, actor=FP_RUS, today=later)
        assert board.totals.open_needs == 3 and board.totals.overdue_needs == 2
        assert board.needs[0].overdue and board.needs[-1].request_id == other.id
        assert board.totals.active_pledges == 1 and board.pledges[0].overdue
        assert "expected on" in (board.pledges[0].overdue_reason or "")
        only_rus = service.board(session, actor=FP_RUS, state="RUS", today=later)
        assert [n.request_id for n in only_rus.needs] == [other.id] and not only_rus.pledges
        overdue = service.list_commitments(
            session, actor=SECRETARIAT, overdue_only=True, today=later
        ).items
        assert len(overdue) == 1
        listed = service.list_requests(session, actor=FP_CHN, today=later).items
        assert [r.overdue for r in listed] == [True, False]
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.withdraw_offer(session, actor=FP_KGZ, offer_id=offer.id)
    with write_session(sessions) as session:
        service.cancel_request(session, actor=FP_KGZ, request_id=request.id, reason="met locally")
    with pytest.raises(Conflict), write_session(sessions) as session:
        service.cancel_request(session, actor=FP_KGZ, request_id=request.id)
    with read_session(sessions) as session:
        read = service.get_request(session, actor=FP_KGZ, request_id=request.id)
        assert read.status == "cancelled" and not read.overdue
        commitments = service.list_commitments(session, actor=FP_KGZ, request_id=request.id).items
        assert [c.status for c in commitments] == ["released"]
        board = service.board(session, actor=FP_KGZ, today=later)
        assert board.totals.active_pledges == 0 and board.totals.open_needs == 1
    with write_session(sessions) as session:
        service.withdraw_offer(session, actor=FP_CHN, offer_id=offer.id)
    with read_session(sessions) as session:
        assert service.get_offer(session, actor=FP_CHN, offer_id=offer.id).status == "withdrawn"
        assert service.list_offers(session, actor=FP_CHN, available_only=True).items == []


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [("cancel", "cancelled", "met locally"), ("withdraw", "withdrawn", "stock spoiled")],
)
def test_ending_a_request_or_an_offer_is_one_rule(
    sessions: sessionmaker[Session], action: str, status: str, reason: str
) -> None:
    both_lines = [
        {"item": "ppe-respirator", "quantity": 6000, "unit": "piece"},
        {"item": "oxygen-concentrator", "quantity": 20, "unit": "piece"},
    ]
    with write_session(sessions) as session:
        request = service.create_request(
            session, actor=FP_KGZ, data=_request(note="first note"), today=TODAY
        )
        offer = service.create_offer(
            session,
            actor=FP_CHN,
            data=_offer(request_id=request.id, commit=True, note="first note", lines=both_lines),
            today=TODAY,
        )
        request_id, offer_id = request.id, offer.id
    with write_session(sessions) as session:
        pledges = service.list_commitments(session, actor=FP_CHN, offer_id=offer_id).items
        respirators, oxygen = (c.id for c in pledges)
        service.change_status(
            session,
            actor=FP_CHN,
            commitment_id=oxygen,
            data=CommitmentStatusUpdate(status="dispatched", on=TODAY),
            today=TODAY,
        )

    def end(session: Session) -> object:
        if action == "cancel":
            return service.cancel_request(
                session, actor=FP_KGZ, request_id=request_id, reason=reason, today=TODAY
            )
        return service.withdraw_offer(
            session, actor=FP_CHN, offer_id=offer_id, reason=reason, today=TODAY
        )

    with write_session(sessions) as session:
        ended = end(session)
    assert (ended.status, ended.note) == (  # type: ignore[attr-defined]
        status,
        f"first note\n\n{status.capitalize()}: {reason}",
    )
    with read_session(sessions) as session:
        after = service.list_commitments(session, actor=FP_CHN, offer_id=offer_id).items
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalar_one()
    # What is on its way stays tracked; only the pledge not yet dispatched is released.
    assert {c.id: c.status for c in after} == {respirators: "released", oxygen: "dispatched"}
    assert entry.detail["released_commitments"] == [respirators]
    with pytest.raises(Conflict), write_session(sessions) as session:
        end(session)


def test_lists_page(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        for _ in range(5):
            service.create_request(session, actor=FP_KGZ, data=_request(), today=TODAY)
        service.create_offer(
            session,
            actor=FP_CHN,
            data=_offer(lines=[LineIn(item="vaccine", quantity=100, unit="dose")]),
            today=TODAY,
        )
    with read_session(sessions) as session:
        seen: list[int] = []
        after = None
        while True:
            listed = service.list_requests(session, actor=FP_CHN, cursor=after, limit=2)
            page, nxt = listed.items, listed.next_cursor
            seen.extend(r.id for r in page)
            if nxt is None:
                break
            after = nxt
        assert len(seen) == 5 == len(set(seen))
        assert len(service.list_offers(session, actor=FP_KGZ, item="vaccine").items) == 1
        assert service.list_offers(session, actor=FP_KGZ, state="SECRETARIAT").items == []


def test_concurrent_pledges_never_exceed_the_need(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        request = service.create_request(
            session,
            actor=FP_KGZ,
            data=_request(lines=[{"item": "vaccine", "quantity": 100, "unit": "dose"}]),
            today=TODAY,
        )
        offers = [
            service.create_offer(
                session,
                actor=actor,
                data=_offer(
                    state=actor.state, lines=[{"item": "vaccine", "quantity": 80, "unit": "dose"}]
                ),
                today=TODAY,
            )
            for actor in (FP_CHN, FP_RUS)
        ]
        need = request.lines[0].id
        lines = [(actor, o.lines[0].id) for actor, o in zip((FP_CHN, FP_RUS), offers, strict=True)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pledge(actor: Principal, offer_line: int) -> None:
        barrier.wait()
        try:
            with write_session(sessions) as session:
                service.commit(
                    session,
                    actor=actor,
                    data=CommitmentCreate(
                        request_line_id=need, offer_line_id=offer_line, quantity=80
                    ),
                    today=TODAY,
                )
            outcomes.append("pledged")
        except InvalidInput as exc:
            outcomes.append(exc.errors[0].field)

    threads = [threading.Thread(target=pledge, args=line) for line in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["pledged", "quantity"]
    with read_session(sessions) as session:
        read = service.get_request(session, actor=FP_KGZ, request_id=request.id)
    assert read.lines[0].pledged == 80 and read.lines[0].remaining == 20
