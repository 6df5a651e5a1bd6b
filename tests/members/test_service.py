"""The organization profile: loaded from YAML, queried by date, on both databases."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.errors import InvalidInput, NotFound
from epibridge.members import service


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2001, 6, 14), set()),
        (date(2001, 6, 16), {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
        (date(2017, 6, 8), {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
        (date(2017, 6, 10), {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB", "IND", "PAK"}),
        (date(2023, 7, 4), {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB", "IND", "PAK", "IRN"}),
        (
            date(2024, 7, 5),
            {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB", "IND", "PAK", "IRN", "BLR"},
        ),
    ],
)
def test_members_on_a_date(sessions: sessionmaker[Session], day: date, expected: set[str]) -> None:
    with read_session(sessions) as session:
        assert {s.iso3 for s in service.members_on(session, on=day)} == expected


def test_status_history_of_belarus(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        state = service.get_state(session, iso3="blr")
        assert [s.status for s in state.statuses] == ["dialogue_partner", "observer", "member"]
        assert service.status_on(state, date(2020, 1, 1)).status == "observer"  # type: ignore[union-attr]
        assert service.status_on(state, date(2008, 1, 1)) is None


def test_observers_and_partners_on_a_date(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        observers = {
            s.state.iso3
            for s in service.list_states(session, on=date(2016, 1, 1), status="observer")
        }
    assert observers == {"AFG", "BLR", "IND", "IRN", "MNG", "PAK"}


def test_state_names_on_a_date_in_each_language(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        before = service.state_names(session, on=date(2017, 6, 8), lang="ru", status="member")
        after = service.state_names(session, on=date(2017, 6, 10), lang="zh", status="member")
        everyone = service.state_names(session, on=date(2016, 1, 1), lang="en")
    assert before["KAZ"] == "Казахстан" and "IND" not in before
    assert after["IND"] == "印度" and after["CHN"] == "中国"
    # Without a status: every state holding one that day (observers too), none that held none.
    assert everyone["MNG"] == "Mongolia" and "BLR" in everyone and "EGY" not in everyone


@pytest.mark.parametrize(
    ("day", "chair"),
    [
        (date(2001, 6, 15), "CHN"),
        (date(2017, 6, 9), "KAZ"),
        (date(2017, 6, 10), "CHN"),
        (date(2018, 3, 1), "CHN"),
        (date(2020, 5, 13), "RUS"),  # seed 001: "Russia, SCO chair for year 2020"
        (date(2023, 9, 1), "KAZ"),
        (date(2024, 1, 1), "KAZ"),
    ],
)
def test_chair_on_a_date(sessions: sessionmaker[Session], day: date, chair: str) -> None:
    with read_session(sessions) as session:
        period = service.chair_on(session, on=day)
    assert period is not None and period.state_iso3 == chair


def test_no_chair_before_founding(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        assert service.chair_on(session, on=date(2000, 1, 1)) is None


def test_unknown_state_is_not_found(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session, pytest.raises(NotFound) as caught:
        service.get_state(session, iso3="XXX")
    assert caught.value.errors[0].field == "iso3"


def test_require_state_explains_why(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        assert service.require_state(session, " kaz ") == "KAZ"
        with pytest.raises(InvalidInput, match="unknown state") as caught:
            service.require_state(session, "FRA")
        assert caught.value.errors[0].message == "not a state of the organization profile"
        with pytest.raises(InvalidInput) as caught:
            service.require_state(session, "ZZZ", field="affected_states")
        assert caught.value.errors[0].field == "affected_states"
        assert "ISO 3166" in caught.value.errors[0].message


def test_profile_cannot_be_loaded_twice(sessions: sessionmaker[Session]) -> None:
    with write_session(sessions) as session, pytest.raises(InvalidInput, match="already"):
        service.load_profile(
            session, actor=service.PROFILE_ACTOR, document=service.read_profile("sco")
        )


def test_every_chairing_state_was_a_member_then(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        for period in service.list_chairmanships(session):
            members = {s.iso3 for s in service.members_on(session, on=period.valid_from)}
            assert period.state_iso3 in members, period.valid_from


def test_chairmanships_leave_no_gap(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        periods = service.list_chairmanships(session)
    for before, after in pairwise(periods):
        assert before.valid_until is not None
        assert (after.valid_from - before.valid_until).days == 1, after.valid_from


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


MINIMAL = """
organization: {code: X, name: {en: X}, founded: 2001-01-01, official_languages: [en]}
states:
  - iso3: %s
    name: {en: A}
    statuses: [%s]
"""


@pytest.mark.parametrize(
    ("iso3", "statuses", "message"),
    [
        ("ZZZ", "{status: member, from: 2001-01-01}", "unknown country"),
        ("KAZ", "{status: king, from: 2001-01-01}", "not valid"),
        ("KAZ", "{status: member, from: 2001-13-01}", "not valid YAML: month must be in 1..12"),
        (
            "KAZ",
            "{status: observer, from: 2001-01-01}, {status: member, from: 2002-01-01}",
            "not valid",
        ),
    ],
)
def test_invalid_profiles_are_refused(
    tmp_path: Path, iso3: str, statuses: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.read_profile(_write(tmp_path, MINIMAL % (iso3, statuses)))


def test_overlapping_statuses_name_the_state(tmp_path: Path) -> None:
    text = MINIMAL % (
        "KAZ",
        "{status: observer, from: 2001-01-01}, {status: member, from: 2002-01-01}",
    )
    with pytest.raises(InvalidInput) as caught:
        service.read_profile(_write(tmp_path, text))
    assert "KAZ" in str(caught.value)
