"""ISO weeks as the reports name them (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from epibridge.errors import InvalidInput
from epibridge.reports.weeks import parse_week, previous_week, week_of


def test_a_week_runs_from_monday_to_the_next_monday_in_utc() -> None:
    week = parse_week(" 2024-w21 ")
    assert week.label == "2024-W21"
    assert (week.monday, week.sunday) == (date(2024, 5, 20), date(2024, 5, 26))
    assert week.contains(datetime(2024, 5, 20, 0, 0, tzinfo=UTC))
    assert week.contains(datetime(2024, 5, 26, 23, 59, 59, tzinfo=UTC))
    assert not week.contains(datetime(2024, 5, 27, 0, 0, tzinfo=UTC))
    assert not week.contains(None)
    assert week.minus(11).label == "2024-W10"
    assert week.minus(-1).label == "2024-W22"


def test_iso_years_and_the_previous_week() -> None:
    assert parse_week("2020-W53").monday == date(2020, 12, 28)
    assert week_of(date(2021, 1, 3)).label == "2020-W53"  # a Sunday of ISO year 2020
    assert previous_week(date(2024, 5, 27)).label == "2024-W21"  # the Monday after
    assert previous_week(date(2024, 1, 1)).label == "2023-W52"


@pytest.mark.parametrize("value", ["2021-W53", "2024-W00", "2024-21", "W21", ""])
def test_not_an_iso_week(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_week(value)
    assert caught.value.errors[0].field == "week"
