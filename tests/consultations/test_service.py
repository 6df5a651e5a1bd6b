"""The consultation rules, exercised through the service on both databases."""

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
    ConsultationCreate,
    ConsultationRequest,
    DecisionCreate,
    PositionCreate,
    RecordEntryCreate,
    RequestResponse,
    SignatureCreate,
    VersionCreate,
)
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, DomainError, Forbidden, InvalidInput
from epibridge.notifications import service as events
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.notifications.schemas import NotificationCreate
from tests.consultations.scenario import (
    DEADLINE,
    NOW,
    OBSERVER_MNG,
    SECRETARIAT,
    TEXT_EN,
    TEXT_RU,
    convene,
    footprint,
    fp,
    position,
    topics,
    under_decision,
    with_document,
)


def test_chair_convenes_with_the_members_of_the_day(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session:
        consultation = service.convene(
            session,
            actor=fp("KAZ"),
            data=ConsultationCreate(
                topic="Biosecurity of border laboratories (synthetic)",
                observers=["BLR", "MNG"],
                agenda=[{"title": "Opening"}, {"title": "Risk review"}],  # type: ignore[list-item]
                deadlines=[{"label": "comments", "due": DEADLINE}],  # type: ignore[list-item]
            ),
            now=NOW,
        )
        read = views.consultation_read(session, consultation)
        message = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == "consultation.convened")
        ).scalar_one()
    members = [p.state for p in read.participants if p.has_say]
    # Nine members on 1 March 2024: Belarus joined on 4 July 2024 and is invited as an observer.
    assert members == ["CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
    assert [p.state for p in read.participants if not p.has_say] == ["BLR", "MNG"]
    assert read.convening_state == "KAZ" and read.convenor_kind == "chair"
    assert [a.title for a in read.agenda] == ["Opening", "Risk review"]
    assert read.deadlines[0].label == "comments"
    assert sorted(message.states) == sorted([*members, "BLR", "MNG"])


@pytest.mark.parametrize(
    ("actor", "data", "error", "field"),
    [
        (fp("RUS"), {}, Forbidden, "convenor"),
        (OBSERVER_MNG, {}, Forbidden, "convenor"),
        (fp("KAZ"), {"participants": ["BLR"]}, InvalidInput, "participants[0]"),
        (fp("KAZ"), {"participants": ["ZZZ"]}, InvalidInput, "participants[0]"),
        (fp("KAZ"), {"observers": ["RUS"]}, InvalidInput, "observers[0]"),
        (fp("KAZ"), {"observers": ["FRA"]}, InvalidInput, "observers[0]"),
    ],
)
def test_convening_is_refused_cleanly(
    sessions: sessionmaker[Session],
    actor: object,
    data: dict[str, list[str]],
    error: type[DomainError],
    field: str,
) -> None:
    with read_session(sessions) as session:
        before = footprint(session)
    with write_session(sessions) as session, pytest.raises(error) as caught:
        service.convene(
            session,
            actor=actor,  # type: ignore[arg-type]
            data=ConsultationCreate(topic="Refused (synthetic)", **data),  # type: ignore[arg-type]
            now=NOW,
        )
    assert field in [e.field for e in caught.value.errors]
    with read_session(sessions) as session:
        assert footprint(session) == before


def test_linked_events_are_checked_through_the_notifications_service(
    sessions: sessionmaker[Session],
) -> None:
    with write_session(sessions) as session:
        event = events.create(
            session,
            actor=fp("KAZ"),
            data=NotificationCreate(
                title="Anthrax in cattle (synthetic)", disease="A22", onset_date=NOW.date()
            ),
            now=NOW,
        )
        consultation = service.convene(
            session,
            actor=fp("KAZ"),
            data=ConsultationCreate(topic="Anthrax (synthetic)", event_ids=[event.id, event.id]),
            now=NOW,
        )
        assert consultation.event_ids == [event.id]
    with write_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.convene(
            session,
            actor=SECRETARIAT,
            data=ConsultationCreate(topic="Linked to nothing (synthetic)", event_ids=[987654]),
            now=NOW,
        )
    assert caught.value.errors[0].field == "event_ids[0]"


def test_a_member_requests_and_the_chair_answers(sessions: sessionmaker[Session]) -> None:
    def ask() -> int:
        with write_session(sessions) as session:
            return service.request(
                session,
                actor=fp("IND"),
                data=ConsultationRequest(
                    state="IND", topic="Dengue vector control (synthetic)", reason="rising cases"
                ),
                now=NOW,
            ).id

    first, second = ask(), ask()
    with write_session(sessions) as session, pytest.raises(Forbidden):
        service.respond(
            session,
            actor=fp("RUS"),
            consultation_id=first,
            data=RequestResponse(accept=True),
            now=NOW,
        )
    with write_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.respond(
            session,
            actor=fp("KAZ"),
            consultation_id=first,
            data=RequestResponse(accept=False),
            now=NOW,
        )
    assert caught.value.errors[0].field == "reason"
    with write_session(sessions) as session:
        declined = service.respond(
            session,
            actor=fp("KAZ"),
            consultation_id=first,
            data=RequestResponse(accept=False, reason="covered by the health ministers' meeting"),
            now=NOW,
        )
        accepted = service.respond(
            session,
            actor=fp("KAZ"),
            consultation_id=second,
            data=RequestResponse(accept=True, participants=["KAZ", "CHN"]),
            now=NOW,
        )
        assert declined.status == "declined"
        assert accepted.status == "open" and accepted.convening_state == "KAZ"
        # The requesting state always takes part.
        assert [p.state_iso3 for p in accepted.participants] == ["CHN", "IND", "KAZ"]
        assert topics(session) == [
            "consultation.request_received",
            "consultation.request_received",
            "consultation.request_declined",
            "consultation.convened",
        ]
    with write_session(sessions) as session, pytest.raises(Conflict):
        service.respond(
            session,
            actor=fp("KAZ"),
            consultation_id=first,
            data=RequestResponse(accept=True),
            now=NOW,
        )


def test_record_and_agenda(sessions: sessionmaker[Session]) -> None:
    consultation_id = convene(sessions)
    with write_session(sessions) as session:
        service.add_record_entry(
            session,
            actor=fp("KAZ"),
            consultation_id=consultation_id,
            data=RecordEntryCreate(kind="minutes", text="Opened (synthetic)", agenda_position=1),
            now=NOW,
        )
        service.add_record_entry(
            session,
            actor=fp("RUS"),
            consultation_id=consultation_id,
            data=RecordEntryCreate(kind="note", state="RUS", text="Supports item 2 (synthetic)"),
            now=NOW + timedelta(minutes=5),
        )
        service.set_agenda(
            session,
            actor=SECRETARIAT,  # on the chair's behalf
            consultation_id=consultation_id,
            items=[AgendaItemIn(title="Draft statement"), AgendaItemIn(title="Opening")],
        )
    for actor, data, error in [
        (fp("RUS"), RecordEntryCreate(kind="minutes", text="x"), Forbidden),
        (fp("IND"), RecordEntryCreate(kind="note", state="IND", text="x"), InvalidInput),
        (fp("IND"), RecordEntryCreate(kind="note", state="RUS", text="x"), Forbidden),
    ]:
        with write_session(sessions) as session, pytest.raises(error):
            service.add_record_entry(
                session, actor=actor, consultation_id=consultation_id, data=data, now=NOW
            )
    with read_session(sessions) as session:
        record = service.list_record(session, actor=fp("CHN"), consultation_id=consultation_id)
        consultation = service.get(session, actor=fp("CHN"), consultation_id=consultation_id)
        assert [a.title for a in consultation.agenda] == ["Draft statement", "Opening"]
    assert [(e.kind, e.author, e.state_iso3) for e in record] == [
        ("minutes", "user:fp-kaz", "KAZ"),
        ("note", "user:fp-rus", "RUS"),
    ]


def test_versions_amendments_and_differences(sessions: sessionmaker[Session]) -> None:
    scenario = with_document(sessions)
    with write_session(sessions) as session:
        amendment = service.propose_amendment(
            session,
            actor=fp("RUS"),
            document_id=scenario.document_id,
            data=AmendmentCreate(
                state="RUS",
                version=1,
                reason="48 hours is too short for remote laboratories",
                texts={"en": TEXT_EN.replace("48", "72")},
            ),
            now=NOW,
        )
        version = service.create_version(
            session,
            actor=fp("KAZ"),
            document_id=scenario.document_id,
            data=VersionCreate(
                based_on=1,
                texts={"en": TEXT_EN.replace("48", "72"), "ru": TEXT_RU, "zh": "合成测试文本。"},
                incorporates=[amendment.id],
            ),
            now=NOW,
        )
        assert version.number == 2
        document = service.get_document(session, actor=fp("CHN"), document_id=scenario.document_id)
        versions = views.versions(session, document)
        amendments = service.list_amendments(session, document_id=scenario.document_id)
    assert [v.superseded for v in versions] == [True, False]
    assert versions[1].incorporated_amendments == [amendment.id]
    assert amendments[0].status == "incorporated" and amendments[0].incorporated_in == 2
    changes = {c.language: c for c in versions[1].changes}
    assert changes["en"].change == "changed" and changes["ru"].change == "unchanged"
    assert changes["zh"].change == "added"
    assert "-" + TEXT_EN in changes["en"].unified_diff
    assert [(w.old, w.new) for w in changes["en"].words if w.op == "replace"] == [("48", "72")]
    assert changes["en"].inserted_words == 1 and changes["en"].deleted_words == 1

    # Nobody overwrites a version they have not seen, and the same text twice is no version.
    for data, error, field in [
        (VersionCreate(based_on=1, texts={"en": "x"}), Conflict, "based_on"),
        (VersionCreate(based_on=2, texts={"en": " "}), InvalidInput, "texts"),
        (VersionCreate(based_on=2, texts=versions[1].texts), InvalidInput, "texts"),  # type: ignore[arg-type]
        (
            VersionCreate(based_on=2, texts={"en": "y"}, incorporates=[amendment.id]),
            InvalidInput,
            "incorporates[0]",
        ),
    ]:
        with write_session(sessions) as session, pytest.raises(error) as caught:
            service.create_version(
                session, actor=fp("KAZ"), document_id=scenario.document_id, data=data, now=NOW
            )
        assert caught.value.errors[0].field == field


def test_consensus_adoption_numbering_and_signatures(sessions: sessionmaker[Session]) -> None:
    first = under_decision(sessions)
    position(sessions, first.document_id, "CHN")
    position(sessions, first.document_id, "RUS", "abstain")
    # Closing early is refused while a member state is silent.
    with write_session(sessions) as session, pytest.raises(Conflict, match="still silent: KAZ"):
        service.close_decision(
            session, actor=fp("KAZ"), document_id=first.document_id, now=NOW + timedelta(days=2)
        )
    position(sessions, first.document_id, "KAZ", actor=SECRETARIAT)  # on Kazakhstan's behalf
    with write_session(sessions) as session:
        decision = service.close_decision(
            session, actor=fp("KAZ"), document_id=first.document_id, now=NOW + timedelta(days=2)
        )
        assert decision.status == "adopted"
        assert "consensus" in (decision.outcome or "")
    second = under_decision(sessions)
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, second.document_id, state)
    with write_session(sessions) as session:
        closed = service.close_due_decisions(session, actor=service.SCHEDULER_ACTOR, now=DEADLINE)
        assert [d.document_id for d in closed] == [second.document_id]
    with write_session(sessions) as session:
        service.sign(
            session,
            actor=fp("CHN"),
            document_id=first.document_id,
            data=SignatureCreate(state="CHN"),
            now=NOW + timedelta(days=3),
        )
    with read_session(sessions) as session:
        one = views.document_read(
            session, service.get_document(session, actor=fp("RUS"), document_id=first.document_id)
        )
        two = views.document_read(
            session, service.get_document(session, actor=fp("RUS"), document_id=second.document_id)
        )
        kaz = next(p for p in one.decision.positions if p.state == "KAZ")  # type: ignore[union-attr]
        assert kaz.on_behalf and kaz.recorded_by == "user:sec"
        published = topics(session)
        # Everything goes through the outbox: convened, new version, decision due, adopted.
        for topic in ("consultation.convened", "consultation.version_created"):
            assert topic in published
        assert published.count("consultation.decision_due") == 2
        assert published.count("consultation.adopted") == 2
        assert "consultation.signed" in published
        assert verify_chain(session)[1] is None
    assert (one.number, two.number) == ("SCO/BIO/2024/001", "SCO/BIO/2024/002")
    assert one.status == "adopted" and one.languages == ["en", "ru"]
    assert one.published_texts == {"en": TEXT_EN, "ru": TEXT_RU}
    assert [s.state for s in one.signatures] == ["CHN"] and one.unsigned == ["KAZ", "RUS"]

    for actor, state, error in [
        (fp("CHN"), "CHN", Conflict),  # signed already
        (SECRETARIAT, "RUS", Forbidden),  # a state signs through its own focal point
        (fp("RUS"), "KAZ", Forbidden),
        (fp("IND"), "IND", InvalidInput),  # not a participant
    ]:
        with write_session(sessions) as session, pytest.raises(error):
            service.sign(
                session,
                actor=actor,
                document_id=first.document_id,
                data=SignatureCreate(state=state),
            )


def test_an_objection_or_low_participation_rejects(sessions: sessionmaker[Session]) -> None:
    objected = under_decision(sessions)
    with write_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.record_position(
            session,
            actor=fp("RUS"),
            document_id=objected.document_id,
            data=PositionCreate(state="RUS", version=1, position="object"),
            now=NOW,
        )
    assert caught.value.errors[0].field == "reasons"
    position(sessions, objected.document_id, "RUS", "object", reasons="needs a 72-hour window")
    for state in ("CHN", "KAZ"):
        position(sessions, objected.document_id, state)
    silent = under_decision(sessions)
    position(sessions, silent.document_id, "CHN")
    with write_session(sessions) as session:
        closed = service.close_due_decisions(
            session, actor=service.SCHEDULER_ACTOR, now=DEADLINE + timedelta(seconds=1)
        )
        outcomes = {d.document_id: d.outcome for d in closed}
        assert {d.status for d in closed} == {"rejected"}
        assert topics(session).count("consultation.rejected") == 2
        document = service.get_document(session, actor=fp("KAZ"), document_id=objected.document_id)
        assert document.status == "draft" and document.number is None
    assert "objection by RUS: needs a 72-hour window" in (outcomes[objected.document_id] or "")
    assert "silent: KAZ, RUS" in (outcomes[silent.document_id] or "")
    # A rejected draft can be revised and put to decision again.
    with write_session(sessions) as session:
        service.create_version(
            session,
            actor=fp("KAZ"),
            document_id=objected.document_id,
            data=VersionCreate(based_on=1, texts={"en": TEXT_EN.replace("48", "72")}),
            now=DEADLINE,
        )
        service.put_to_decision(
            session,
            actor=fp("KAZ"),
            document_id=objected.document_id,
            data=DecisionCreate(version=2, deadline=DEADLINE + timedelta(days=7)),
            now=DEADLINE,
        )


def test_silence_procedure_adopts_at_the_deadline_unless_someone_objects(
    sessions: sessionmaker[Session],
) -> None:
    quiet = under_decision(sessions, procedure="silence")
    broken = under_decision(sessions, procedure="silence")
    position(sessions, broken.document_id, "CHN", "object", reasons="silence broken (synthetic)")
    # Nothing closes before the deadline.
    with write_session(sessions) as session:
        assert (
            service.close_due_decisions(
                session, actor=service.SCHEDULER_ACTOR, now=DEADLINE - timedelta(seconds=1)
            )
            == []
        )
    with write_session(sessions) as session:
        closed = {
            d.document_id: d
            for d in service.close_due_decisions(
                session, actor=service.SCHEDULER_ACTOR, now=DEADLINE
            )
        }
    assert closed[quiet.document_id].status == "adopted"
    assert "silence procedure" in (closed[quiet.document_id].outcome or "")
    assert closed[broken.document_id].status == "rejected"
    # Another member's focal point neither runs the consultation nor chooses its procedure.
    scenario = with_document(sessions)
    with write_session(sessions) as session, pytest.raises(Forbidden) as caught:
        service.put_to_decision(
            session,
            actor=fp("RUS"),
            document_id=scenario.document_id,
            data=DecisionCreate(version=1, procedure="silence", deadline=DEADLINE),
            now=NOW,
        )
    assert caught.value.errors[0].field == "convenor"


def test_a_position_may_change_until_the_deadline(sessions: sessionmaker[Session]) -> None:
    scenario = under_decision(sessions)
    position(sessions, scenario.document_id, "RUS", "object", reasons="first reading")
    position(sessions, scenario.document_id, "RUS", "support", now=DEADLINE)
    with read_session(sessions) as session:
        read = views.document_read(
            session,
            service.get_document(session, actor=fp("KAZ"), document_id=scenario.document_id),
        )
        changes = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "record_position"))
            .scalars()
            .all()
        )
    assert read.decision is not None
    [rus] = read.decision.positions
    assert (rus.position, rus.reasons, rus.changes) == ("support", None, 1)
    assert read.decision.tally.silent == ["CHN", "KAZ"]
    assert [c.detail["position"] for c in changes] == ["object", "support"]


def _new_version(sessions: sessionmaker[Session], document_id: int) -> None:
    with write_session(sessions) as session:
        service.create_version(
            session,
            actor=fp("KAZ"),
            document_id=document_id,
            data=VersionCreate(based_on=1, texts={"en": "Revised (synthetic)."}),
            now=NOW,
        )


def _adopt(sessions: sessionmaker[Session], document_id: int) -> None:
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, document_id, state)
    with write_session(sessions) as session:
        service.close_due_decisions(session, actor=service.SCHEDULER_ACTOR, now=DEADLINE)


BadCase = tuple[
    Callable[[sessionmaker[Session], int], None] | None,
    Callable[[Session, int], object],
    type[DomainError],
    str,
]


def _vote(state: str, *, actor: object = None, version: int = 1, now=NOW):  # type: ignore[no-untyped-def]
    def run(session: Session, document_id: int) -> object:
        return service.record_position(
            session,
            actor=actor or fp(state),  # type: ignore[arg-type]
            document_id=document_id,
            data=PositionCreate(state=state, version=version, position="support"),
            now=now,
        )

    return run


BAD_INPUT: dict[str, BadCase] = {
    "position from a non-participant": (None, _vote("IND"), InvalidInput, "state"),
    "vote on a superseded version": (_new_version, _vote("RUS"), Conflict, "version"),
    "decision after the deadline": (
        None,
        _vote("RUS", now=DEADLINE + timedelta(seconds=1)),
        Conflict,
        "deadline",
    ),
    "adopted document edited": (
        _adopt,
        lambda session, document_id: service.create_version(
            session,
            actor=fp("KAZ"),
            document_id=document_id,
            data=VersionCreate(based_on=1, texts={"en": "Edited after adoption."}),
            now=DEADLINE,
        ),
        Conflict,
        "document_id",
    ),
    "adopted document amended": (
        _adopt,
        lambda session, document_id: service.propose_amendment(
            session,
            actor=fp("RUS"),
            document_id=document_id,
            data=AmendmentCreate(state="RUS", version=1, reason="too late"),
            now=DEADLINE,
        ),
        Conflict,
        "document_id",
    ),
    "observer account taking a position": (
        None,
        _vote("MNG", actor=OBSERVER_MNG),
        Forbidden,
        "state",
    ),
    "invited observer state taking a position": (
        None,
        _vote("MNG", actor=SECRETARIAT),
        InvalidInput,
        "state",
    ),
    "another state's focal point voting for KAZ": (
        None,
        _vote("KAZ", actor=fp("RUS")),
        Forbidden,
        "state",
    ),
    "deadline already past when put to decision": (
        _new_version,
        lambda session, document_id: service.put_to_decision(
            session,
            actor=fp("KAZ"),
            document_id=document_id,
            data=DecisionCreate(version=2, deadline=NOW - timedelta(days=1)),
            now=NOW,
        ),
        InvalidInput,
        "deadline",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_and_changes_nothing(
    sessions: sessionmaker[Session], case: str
) -> None:
    prepare, attempt, error, field = BAD_INPUT[case]
    scenario = under_decision(sessions)
    if prepare is not None:
        prepare(sessions, scenario.document_id)
    with read_session(sessions) as session:
        before = footprint(session)
    with write_session(sessions) as session, pytest.raises(error) as caught:
        attempt(session, scenario.document_id)
    assert caught.value.detail
    assert field in [e.field for e in caught.value.errors], caught.value
    with read_session(sessions) as session:
        assert footprint(session) == before


#: (prepare, actor, state, version, moment, refusal): who asks to record which position when.
POSITION_RIGHTS: dict[str, tuple[object, object, str, int, object, tuple[type, str] | None]] = {
    "own state": (None, fp("RUS"), "RUS", 1, NOW, None),
    "Secretariat on a state's behalf": (None, SECRETARIAT, "rus", 1, NOW, None),
    "non-participant": (None, SECRETARIAT, "IND", 1, NOW, (InvalidInput, "state")),
    "invited observer": (None, SECRETARIAT, "MNG", 1, NOW, (InvalidInput, "state")),
    "another state's focal point": (None, fp("RUS"), "KAZ", 1, NOW, (Forbidden, "state")),
    "superseded version": (_new_version, fp("RUS"), "RUS", 1, NOW, (Conflict, "version")),
    "nothing under decision": (_new_version, fp("RUS"), "RUS", 2, NOW, (Conflict, "version")),
    "adopted": (_adopt, fp("RUS"), "RUS", 1, DEADLINE, (Conflict, "document_id")),
    "after the deadline": (
        None,
        fp("RUS"),
        "RUS",
        1,
        DEADLINE + timedelta(seconds=1),
        (Conflict, "deadline"),
    ),
}


@pytest.mark.parametrize("case", list(POSITION_RIGHTS))
def test_the_position_check_is_the_rule_record_position_applies(
    sessions: sessionmaker[Session], case: str
) -> None:
    prepare, actor, state, version, moment, refusal = POSITION_RIGHTS[case]
    scenario = under_decision(sessions)
    if prepare is not None:
        prepare(sessions, scenario.document_id)  # type: ignore[operator]
    outcomes = []
    for write in (False, True):
        with write_session(sessions) as session:
            document = service.get_document(
                session, actor=SECRETARIAT, document_id=scenario.document_id
            )
            consultation = service.get(
                session, actor=SECRETARIAT, consultation_id=scenario.consultation_id
            )
            try:
                if write:
                    recorded = service.record_position(
                        session,
                        actor=actor,  # type: ignore[arg-type]
                        document_id=document.id,
                        data=PositionCreate(state=state, version=version, position="support"),
                        now=moment,  # type: ignore[arg-type]
                    )
                    outcomes.append((recorded.state_iso3, recorded.on_behalf))
                else:
                    right = service.check_may_record_position(
                        session,
                        actor=actor,  # type: ignore[arg-type]
                        consultation=consultation,
                        document=document,
                        state=state,
                        version=version,
                        now=moment,  # type: ignore[arg-type]
                    )
                    assert right.decision.status == "open"
                    outcomes.append((right.state, right.on_behalf))
            except DomainError as exc:
                outcomes.append((type(exc), exc.errors[0].field))
    assert outcomes[0] == outcomes[1]
    if refusal is None:
        assert outcomes[0] == ("RUS", actor is SECRETARIAT)
    else:
        assert outcomes[0] == refusal


def test_list_filters_pages_and_observer_visibility(sessions: sessionmaker[Session]) -> None:
    ids = [convene(sessions) for _ in range(3)]
    with write_session(sessions) as session:
        hidden = service.convene(
            session,
            actor=SECRETARIAT,
            data=ConsultationCreate(topic="Members only (synthetic)", participants=["KAZ"]),
            now=NOW,
        ).id
    with read_session(sessions) as session:
        first = service.list_(session, actor=fp("CHN"), limit=2)
        page, cursor = first.items, first.next_cursor
        second = service.list_(session, actor=fp("CHN"), limit=2, cursor=cursor)
        rest, end = second.items, second.next_cursor
        assert [c.id for c in page + rest] == [hidden, *reversed(ids)]
        assert end is None
        seen = service.list_(session, actor=OBSERVER_MNG, limit=10).items
        assert [c.id for c in seen] == list(reversed(ids))
        only_kaz = service.list_(
            session, actor=SECRETARIAT, state="KAZ", topic="members", limit=10
        ).items
        assert [c.id for c in only_kaz] == [hidden]
        with pytest.raises(Forbidden):
            service.get(session, actor=OBSERVER_MNG, consultation_id=hidden)
        with pytest.raises(InvalidInput):
            service.list_(session, actor=fp("CHN"), limit=2, cursor="bm90LWEtY3Vyc29y")
