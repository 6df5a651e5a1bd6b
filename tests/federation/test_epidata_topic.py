"""Observations travel at the level their state shares, land as replicas, never double."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.epidata import queries, replicas
from epibridge.epidata.models import Observation, Series, Submission
from epibridge.epidata.selector import SeriesSelector
from epibridge.federation import sharing
from epibridge.federation.messages import Refused, node_principal
from epibridge.federation.sharing_models import SharingLevel
from epibridge.federation.sharing_schemas import SharingUpdate
from epibridge.federation.topics import epidata as topic
from epibridge.security import PermissionDenied
from tests.epidata.helpers import csv_of, submit
from tests.federation.twonodes import deliver, export, second_node
from tests.helpers import OPERATOR

HEADER = "state,area,disease,metric,classification,age_group,sex,period_start,period_end,value"
WEEK = "2026-11-02,2026-11-08"
#: Influenza by region and by region and sex (two breakdowns of the same week), cholera with
#: the state's own total beside its regions: the national totals are 12 and 3, never 24 or 5.
ROWS = [
    f"KAZ,KZ-10,J11,cases,confirmed,,,{WEEK},5",
    f"KAZ,KZ-11,J11,cases,confirmed,,,{WEEK},7",
    f"KAZ,KZ-10,J11,cases,confirmed,,female,{WEEK},2",
    f"KAZ,KZ-10,J11,cases,confirmed,,male,{WEEK},3",
    f"KAZ,,A00,cases,confirmed,,,{WEEK},3",
    f"KAZ,KZ-10,A00,cases,confirmed,,,{WEEK},1",
]


@pytest.fixture
def origin(sqlite_template: Path, tmp_path: Path):
    with second_node(sqlite_template, tmp_path / "kaz") as made:
        yield made


def _share(sessions: sessionmaker[Session], **fields: object) -> None:
    with write_session(sessions) as session:
        sharing.set_sharing(session, principal=OPERATOR, state="KAZ", data=SharingUpdate(**fields))


def _current(sessions: sessionmaker[Session]) -> dict[tuple[str, str, str, str], int | None]:
    with read_session(sessions) as session:
        rows = session.execute(
            select(Series.disease, Series.area, Series.age_group, Series.sex, Observation.value)
            .join(Observation, Observation.series_id == Series.id)
            .where(Series.state_iso3 == "KAZ", Observation.superseded_at.is_(None))
        ).all()
    return {(d, a, g, s): v for d, a, g, s, v in rows}


def _send(origin: sessionmaker[Session], receiver: sessionmaker[Session], seen: set[str]) -> int:
    outgoing = export(origin, seen)
    deliver(receiver, outgoing)
    return len(outgoing)


def test_national_totals_reach_the_receiver_as_totals_only(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    seen: set[str] = set()
    submit(origin, csv_of(*ROWS, header=HEADER), state="KAZ")  # nothing set: national totals
    assert _send(origin, sessions, seen) == 1
    assert _current(sessions) == {("J11", "", "", ""): 12, ("A00", "", "", ""): 3}
    with read_session(sessions) as session:
        got = queries.series(
            session,
            principal=OPERATOR,
            selector=SeriesSelector(disease="J11", states=("KAZ",), classification="confirmed"),
        )
        replica = session.execute(select(Submission)).scalar_one()
    assert [p.value for p in got.series[0].points] == [12]
    assert (replica.origin_node, replica.origin_id) == ("kaz-node", "1")
    # The replica's own outbox message (for local subscribers) is never sent back.
    assert export(sessions, set()) == []


def test_all_rows_and_listed_diseases_and_nothing(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    seen: set[str] = set()
    _share(origin, level=SharingLevel.DISEASES, diseases=["a00"])
    submit(origin, csv_of(*ROWS, header=HEADER), state="KAZ")
    _send(origin, sessions, seen)
    assert _current(sessions) == {("A00", "", "", ""): 3, ("A00", "KZ-10", "", ""): 1}

    _share(origin, level=SharingLevel.NOTHING)
    submit(origin, csv_of(f"KAZ,KZ-15,J11,cases,confirmed,,,{WEEK},4", header=HEADER), state="KAZ")
    assert _send(origin, sessions, seen) == 0

    _share(origin, level=SharingLevel.ALL)
    # A value repeated unchanged is not a new value: only what this file changed travels.
    revised = [
        f"KAZ,KZ-10,J11,cases,confirmed,,,{WEEK},8",
        f"KAZ,KZ-10,J11,cases,confirmed,,female,{WEEK},4",
    ]
    submit(origin, csv_of(*revised, header=HEADER), state="KAZ", filename="again.csv")
    _send(origin, sessions, seen)
    current = _current(sessions)
    assert current[("J11", "KZ-10", "", "female")] == 4 and current[("J11", "KZ-10", "", "")] == 8
    assert ("J11", "KZ-11", "", "") not in current  # unchanged since the level was 'diseases'
    assert ("J11", "KZ-15", "", "") not in current


def test_embargo_holds_back_then_releases_without_doubles(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    seen: set[str] = set()
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    _share(origin, level=SharingLevel.ALL, embargo_until=tomorrow)
    submit(origin, csv_of(*ROWS[:2], header=HEADER), state="KAZ")
    assert _send(origin, sessions, seen) == 0
    with write_session(origin) as session:
        assert sharing.release_due(session, actor=OPERATOR) == []
        at = datetime.combine(tomorrow, datetime.min.time(), tzinfo=UTC)
        assert sharing.release_due(session, actor=OPERATOR, now=at) == ["KAZ"]
    released = export(origin, seen)
    assert len(released) == 1
    deliver(sessions, released)
    deliver(sessions, released)  # re-sent (a retry, a lagging exporter): no new version
    assert _current(sessions) == {("J11", "KZ-10", "", ""): 5, ("J11", "KZ-11", "", ""): 7}
    with read_session(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 2
    # Released: the next submission travels at once.
    submit(origin, csv_of(f"KAZ,KZ-10,J11,cases,confirmed,,,{WEEK},6", header=HEADER), state="KAZ")
    assert _send(origin, sessions, seen) == 1
    assert _current(sessions)[("J11", "KZ-10", "", "")] == 6


def test_a_node_of_another_state_cannot_land_kaz_rows(
    origin: sessionmaker[Session], sessions: sessionmaker[Session]
) -> None:
    submit(origin, csv_of(*ROWS[:2], header=HEADER), state="KAZ")
    outgoing = export(origin, set())
    with pytest.raises(Refused) as refused:
        deliver(sessions, outgoing, node="chn-node", state="CHN")
    assert refused.value.status == 422
    # Beneath the envelope check, the import's own permission check refuses it too.
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        replicas.land_replica(
            session,
            principal=node_principal("chn-node", "CHN"),
            state="KAZ",
            content=csv_of(*ROWS[:1], header=HEADER),
            origin_node="chn-node",
            origin_id="1",
            filename="forged.csv",
        )
    with read_session(sessions) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Series).where(Series.state_iso3 == "KAZ")
            )
            == 0
        )


def test_national_totals_choose_one_breakdown() -> None:
    from epibridge.epidata.replicas import Row

    start, end = date(2026, 11, 2), date(2026, 11, 8)

    def row(area: str, age: str, sex: str, value: int | None) -> Row:
        return Row(area, "J11", "cases", "confirmed", age, sex, start, end, value)

    by_age = [row("", "0-4", "", 2), row("", "5+", "", 3), row("KZ-10", "", "", 9)]
    assert [r.value for r in topic.national_totals(by_age)] == [5]
    assert [
        r.value
        for r in topic.national_totals([row("KZ-10", "", "", None), row("KZ-11", "", "", 1)])
    ] == [None]
