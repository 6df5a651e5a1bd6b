"""Border rules on both databases: registry, status by side, conflicts, history, lanes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry, verify_chain
from epibridge.borders import service
from epibridge.borders.models import Crossing
from epibridge.borders.schemas import CrossingCreate, LaneCreate, LaneUpdate, StatusReportCreate
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.db import read_session, write_session
from epibridge.errors import Conflict, InvalidInput, NotFound
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, Principal, Role

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
FP_RUS = Principal(user_id=3, name="fp-rus", role=Role.FOCAL_POINT, state="RUS")
SECRETARIAT = Principal(user_id=4, name="sec", role=Role.SECRETARIAT)
ADMIN = Principal(user_id=5, name="admin", role=Role.ADMIN)
OBSERVER = Principal(user_id=6, name="obs-mng", role=Role.OBSERVER, state="MNG")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _load(sessions: sessionmaker[Session]) -> dict[str, int]:
    with write_session(sessions) as session:
        service.load_registry(session, actor=REGISTRY_ACTOR)
        return {c.code: c.id for c in session.execute(select(Crossing)).scalars()}


def _report(**overrides: object) -> StatusReportCreate:
    values: dict[str, object] = {
        "side": "KAZ",
        "direction": "outbound",
        "traffic": "freight",
        "status": "open",
        "measures_c8": 1,
        "wait_minutes": 10,
        "capacity_share": 0.8,
        "effective_from": T0,
    }
    values.update(overrides)
    return StatusReportCreate.model_validate(values)


def test_registry_is_real_sourced_and_reloads_idempotently(sessions: sessionmaker[Session]) -> None:
    items = service.read_registry()
    codes = {i.code for i in items}
    assert {
        "KAZ-CHN-khorgos-road",
        "KAZ-CHN-dostyk-rail",
        "RUS-CHN-zabaykalsk-rail",
        "KGZ-CHN-torugart-road",
        "KGZ-CHN-irkeshtam-road",
        "TJK-CHN-kulma-road",
        "PAK-CHN-khunjerab-road",
        "IND-PAK-attari-wagah-road",
    } <= codes
    for item in items:
        assert item.source and item.approximate
        assert service.share_land_border(item.state_a, item.state_b), item.code
        # No invented figures: unknown capacities stay null and say so.
        assert item.capacity.trucks_per_day is None and "unknown" in (item.capacity.note or "")
    with write_session(sessions) as session:
        first = service.load_registry(session, actor=REGISTRY_ACTOR)
    with write_session(sessions) as session:
        again = service.load_registry(session, actor=REGISTRY_ACTOR)
    assert first.created == len(items) and first.updated == 0
    assert again.created == 0 and again.unchanged == len(items)
    with read_session(sessions) as session:
        entries = session.execute(
            select(AuditEntry).where(AuditEntry.entity == "border_crossing")
        ).all()
        assert len(entries) == len(items)
        assert verify_chain(session)[1] is None


def test_adjacency_table() -> None:
    assert service.share_land_border("kaz", "CHN") and service.share_land_border("PAK", "IND")
    assert not service.share_land_border("IRN", "RUS")  # Caspian neighbours, no land border
    assert not service.share_land_border("KAZ", "PAK")
    assert "World Factbook" in service.land_borders().source


def _crossing(**overrides: object) -> CrossingCreate:
    values: dict[str, object] = {
        "code": "TEST-1",
        "name": "Test crossing",
        "kind": "road",
        "state_a": "KAZ",
        "name_a": "A",
        "state_b": "CHN",
        "name_b": "B",
        "latitude": 44.0,
        "longitude": 80.0,
        "source": "test fixture (synthetic)",
    }
    values.update(overrides)
    return CrossingCreate.model_validate(values)


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"state_b": "PAK"}, "state_b", InvalidInput),  # no KAZ–PAK land border
        ({"state_a": "IRN", "state_b": "RUS", "kind": "rail"}, "state_b", InvalidInput),
        ({"state_a": "ZZZ"}, "state_a", InvalidInput),
        ({"state_b": "KAZ"}, "state_b", InvalidInput),
        ({"code": "KAZ-CHN-khorgos-road"}, "code", Conflict),
    ],
)
def test_bad_crossings_are_refused(
    sessions: sessionmaker[Session], overrides: dict[str, object], field: str, error: type
) -> None:
    _load(sessions)
    with pytest.raises(error) as caught, write_session(sessions) as session:
        service.create_crossing(session, actor=ADMIN, data=_crossing(**overrides))
    assert field in [e.field for e in caught.value.errors]


def test_crossing_creation_rights_and_air_exemption(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.create_crossing(session, actor=FP_KAZ, data=_crossing())
    with write_session(sessions) as session:
        air = service.create_crossing(
            session,
            actor=SECRETARIAT,
            data=_crossing(code="AIR-1", kind="air", state_a="RUS", state_b="IRN"),
        )
        assert air.kind == "air"
        road = service.create_crossing(session, actor=ADMIN, data=_crossing())
        assert road.state_a == "KAZ"


def test_status_by_side_conflict_supersede_history_and_notice(
    sessions: sessionmaker[Session],
) -> None:
    ids = _load(sessions)
    khorgos = ids["KAZ-CHN-khorgos-road"]
    with write_session(sessions) as session:
        first = service.report_status(session, actor=FP_KAZ, crossing_id=khorgos, data=_report())
        service.report_status(
            session,
            actor=FP_CHN,
            crossing_id=khorgos,
            data=_report(
                side="CHN",
                direction="inbound",
                status="closed",
                measures_c8=4,
                wait_minutes=None,
                capacity_share=0,
            ),
        )
        on_behalf = service.report_status(
            session,
            actor=SECRETARIAT,
            crossing_id=khorgos,
            data=_report(side="CHN", direction="outbound", traffic="people", status="restricted"),
        )
        assert on_behalf.on_behalf and on_behalf.reported_by == "user:sec"
    with read_session(sessions) as session:
        page = service.list_crossings(session, state="KAZ", at=T0 + timedelta(days=1)).items
        read = next(c for c in page if c.id == khorgos)
    assert read.conflict and read.colour == "purple" and read.status == "restricted"
    assert [
        (c.traffic, c.flow_from, c.outbound_status, c.inbound_status) for c in read.conflicts
    ] == [("freight", "KAZ", "open", "closed")]
    kaz, chn = read.sides
    assert (kaz.state, kaz.status, kaz.colour) == ("KAZ", "open", "green")
    assert (chn.state, chn.status) == ("CHN", "restricted")  # one closed, one restricted
    assert read.geometry == {"type": "Point", "coordinates": [80.36, 44.2]}

    # A newer open-ended report from the same side supersedes the current one.
    later = T0 + timedelta(days=3)
    with write_session(sessions) as session:
        second = service.report_status(
            session,
            actor=FP_KAZ,
            crossing_id=khorgos,
            data=_report(
                status="closed",
                measures_c8=4,
                wait_minutes=None,
                capacity_share=None,
                effective_from=later,
            ),
        )
    with read_session(sessions) as session:
        crossing = service.get_crossing(session, crossing_id=khorgos)
        rows = service.history(session, crossing_id=khorgos).items
        old = next(r for r in rows if r.id == first.id)
        assert old.effective_until == later and old.superseded_by == second.id
        assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
        at_later = service.current_reports(session, crossing_ids=[khorgos], at=later)[khorgos]
        assert {r.id for r in at_later if r.side == "KAZ"} == {second.id}
        messages = list(
            session.execute(
                select(OutboxMessage).where(OutboxMessage.topic == "border.status_changed")
            ).scalars()
        )
    assert len(messages) == 4
    assert all(m.states == ["CHN", "KAZ"] for m in messages)
    assert messages[-1].payload["previous_status"] == "open"
    assert messages[-1].payload["crossing"]["name"] == crossing.name


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "closed", "capacity_share": 0.5}, "capacity_share"),
        ({"status": "open", "measures_c8": 4}, "measures_c8"),
        ({"status": "open", "capacity_share": 0.0}, "capacity_share"),
        ({"status": "closed", "capacity_share": None, "measures_c8": 4}, "wait_minutes"),
        ({"effective_until": T0 - timedelta(hours=1)}, "effective_until"),
        ({"side": "RUS"}, "side"),
    ],
)
def test_contradictory_reports_are_refused(
    sessions: sessionmaker[Session], overrides: dict[str, object], field: str
) -> None:
    ids = _load(sessions)
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.report_status(
            session,
            actor=SECRETARIAT,
            crossing_id=ids["KAZ-CHN-khorgos-road"],
            data=_report(**overrides),
        )
    assert field in [e.field for e in caught.value.errors]


def test_overlapping_periods_and_foreign_sides_are_refused(sessions: sessionmaker[Session]) -> None:
    ids = _load(sessions)
    crossing = ids["KAZ-CHN-dostyk-rail"]
    with write_session(sessions) as session:
        service.report_status(
            session,
            actor=FP_KAZ,
            crossing_id=crossing,
            data=_report(effective_from=T0, effective_until=T0 + timedelta(days=10)),
        )
    bad = [
        # Starts inside the bounded period.
        _report(effective_from=T0 + timedelta(days=2)),
        # Open-ended and earlier: would cover the bounded period.
        _report(
            effective_from=T0 - timedelta(days=2),
            status="closed",
            measures_c8=4,
            wait_minutes=None,
            capacity_share=None,
        ),
        # Same start, contradicting status.
        _report(status="restricted"),
    ]
    for data in bad:
        with pytest.raises(Conflict) as caught, write_session(sessions) as session:
            service.report_status(session, actor=FP_KAZ, crossing_id=crossing, data=data)
        assert caught.value.errors[0].field == "effective_from"
    with write_session(sessions) as session:
        # Another direction or the period after is fine.
        service.report_status(
            session, actor=FP_KAZ, crossing_id=crossing, data=_report(direction="inbound")
        )
        service.report_status(
            session,
            actor=FP_KAZ,
            crossing_id=crossing,
            data=_report(effective_from=T0 + timedelta(days=10)),
        )
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.report_status(session, actor=FP_CHN, crossing_id=crossing, data=_report())
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.report_status(session, actor=OBSERVER, crossing_id=crossing, data=_report())
    with pytest.raises(NotFound), write_session(sessions) as session:
        service.report_status(session, actor=FP_KAZ, crossing_id=99999, data=_report())
    with read_session(sessions) as session:
        assert len(service.history(session, crossing_id=crossing).items) == 3


def test_lanes_targets_rights_and_filters(sessions: sessionmaker[Session]) -> None:
    ids = _load(sessions)
    khorgos, dostyk, torugart = (
        ids["KAZ-CHN-khorgos-road"],
        ids["KAZ-CHN-dostyk-rail"],
        ids["KGZ-CHN-torugart-road"],
    )
    lane_data = LaneCreate(
        kind="green",
        name="KAZ–CHN green lane (synthetic test)",
        states=["KAZ", "CHN"],
        crossing_ids=[khorgos, dostyk],
        documents_accepted=["e-CMR", "phytosanitary certificate"],
        checks="document check only; no physical inspection",
        hours="24/7",
        valid_from=date(2026, 1, 1),
    )
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.create_lane(session, actor=FP_RUS, data=lane_data)
    with pytest.raises(InvalidInput) as caught, write_session(sessions) as session:
        service.create_lane(
            session,
            actor=FP_KAZ,
            data=lane_data.model_copy(update={"crossing_ids": [khorgos, torugart]}),
        )
    assert caught.value.errors[0].field == "crossing_ids.1"
    with write_session(sessions) as session:
        lane = service.create_lane(session, actor=FP_KAZ, data=lane_data)
        fast = service.create_lane(
            session,
            actor=SECRETARIAT,
            data=lane_data.model_copy(
                update={"kind": "fast", "name": "fast (synthetic)", "target_minutes": 30}
            ),
        )
        service.report_status(
            session, actor=FP_KAZ, crossing_id=khorgos, data=_report(wait_minutes=10)
        )
        service.report_status(
            session,
            actor=FP_CHN,
            crossing_id=khorgos,
            data=_report(side="CHN", direction="inbound", wait_minutes=40),
        )
        service.report_status(
            session, actor=FP_KAZ, crossing_id=dostyk, data=_report(wait_minutes=12)
        )
    with read_session(sessions) as session:
        page = service.list_crossings(session, at=T0 + timedelta(hours=1)).items
    by_id = {c.id: c for c in page}
    green_khorgos = next(x for x in by_id[khorgos].lanes if x.lane_id == lane.id)
    assert (green_khorgos.max_wait_minutes, green_khorgos.meets_target) == (40, False)
    green_dostyk = next(x for x in by_id[dostyk].lanes if x.lane_id == lane.id)
    assert green_dostyk.meets_target is True
    fast_dostyk = next(x for x in by_id[dostyk].lanes if x.lane_id == fast.id)
    assert fast_dostyk.meets_target is None  # no people traffic reported
    assert by_id[torugart].lanes == []

    with write_session(sessions) as session:
        service.update_lane(
            session,
            actor=FP_CHN,
            lane_id=lane.id,
            data=LaneUpdate(target_minutes=45, crossing_ids=[khorgos]),
        )
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.delete_lane(session, actor=FP_RUS, lane_id=lane.id)
    with read_session(sessions) as session:
        updated = service.get_lane(session, lane_id=lane.id)
        assert updated.target_minutes == 45 and updated.crossing_ids == [khorgos]
        lanes = service.list_lanes(session, state="KAZ", kind="green").items
        assert [x.id for x in lanes] == [lane.id]
        assert service.list_lanes(session, state="RUS").items == []
    with write_session(sessions) as session:
        service.delete_lane(session, actor=FP_KAZ, lane_id=lane.id)
    with read_session(sessions) as session:
        assert [x.id for x in service.list_lanes(session).items] == [fast.id]


def test_list_filters_and_pages(sessions: sessionmaker[Session]) -> None:
    ids = _load(sessions)
    with write_session(sessions) as session:
        service.report_status(
            session,
            actor=FP_RUS,
            crossing_id=ids["RUS-CHN-zabaykalsk-rail"],
            data=_report(
                side="RUS", status="closed", measures_c8=3, wait_minutes=None, capacity_share=None
            ),
        )
    at = T0 + timedelta(hours=1)
    with read_session(sessions) as session:
        closed = service.list_crossings(session, status="closed", at=at).items
        assert [c.code for c in closed] == ["RUS-CHN-zabaykalsk-rail"]
        assert service.list_crossings(session, conflict_only=True, at=at).items == []
        rail = service.list_crossings(session, kind="rail", state="CHN", limit=100).items
        assert rail and all(c.kind == "rail" and "CHN" in c.states for c in rail)
        unknown = service.list_crossings(session, status="unknown", limit=100).items
        assert len(unknown) == len(ids) - 1
        seen: list[int] = []
        after = None
        while True:
            listed = service.list_crossings(session, cursor=after, limit=10)
            page, next_after = listed.items, listed.next_cursor
            seen.extend(c.id for c in page)
            if next_after is None:
                break
            after = next_after
        assert seen == sorted(ids.values())
        with pytest.raises(InvalidInput):
            service.list_crossings(session, state="XXX")


def test_writable_states_are_what_the_rules_allow() -> None:
    """The faces offer what this returns; a lane write checks the same (any party state)."""
    assert service.writable_states(FP_KAZ, ["KAZ", "CHN"]) == ["KAZ"]
    assert service.writable_states(FP_CHN, ["KAZ", "CHN"]) == ["CHN"]
    assert service.writable_states(FP_RUS, ["KAZ", "CHN"]) == []
    assert service.writable_states(SECRETARIAT, ["KAZ", "CHN"]) == ["KAZ", "CHN"]
    assert service.writable_states(OBSERVER, ["MNG", "CHN"]) == []
    assert service.writable_states(ADMIN, ["KAZ"]) == []
