"""DHIS2's period formats against the examples of DHIS2's Web API documentation ("Date and
period format", docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/
introduction.html) and ISO weeks against Python's own ISO calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epibridge.gateways.dhis2.periods import parse_interval, parse_period, to_dhis2, to_interval

D = date


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("20040315", D(2004, 3, 15), D(2004, 3, 15)),  # Day: March 15, 2004
        ("2004W10", D(2004, 3, 1), D(2004, 3, 7)),  # Week 10, 2004
        ("2024W05", D(2024, 1, 29), D(2024, 2, 4)),  # the example, zero-padded
        ("2020W53", D(2020, 12, 28), D(2021, 1, 3)),  # a 53-week year
        ("2015WedW5", D(2015, 1, 28), D(2015, 2, 3)),  # Week 5 with start on Wednesday
        ("2015ThuW6", D(2015, 2, 5), D(2015, 2, 11)),
        ("2015SatW7", D(2015, 2, 14), D(2015, 2, 20)),  # week 1: Sat 3 January
        ("2015SunW8", D(2015, 2, 22), D(2015, 2, 28)),  # week 1: Sun 4 January
        ("2015BiW1", D(2014, 12, 29), D(2015, 1, 11)),  # Week 1-2, 2015
        ("2024BiW3", D(2024, 1, 29), D(2024, 2, 11)),
        ("200403", D(2004, 3, 1), D(2004, 3, 31)),  # March 2004
        ("200401B", D(2004, 1, 1), D(2004, 2, 29)),  # January-February 2004
        ("2004Q1", D(2004, 1, 1), D(2004, 3, 31)),  # January-March 2004
        ("2004S1", D(2004, 1, 1), D(2004, 6, 30)),  # January-June 2004
        ("2004AprilS1", D(2004, 4, 1), D(2004, 9, 30)),  # April-September 2004
        ("2004AprilS2", D(2004, 10, 1), D(2005, 3, 31)),
        ("2004", D(2004, 1, 1), D(2004, 12, 31)),
        ("2004April", D(2004, 4, 1), D(2005, 3, 31)),  # April 2004-March 2005
        ("2004July", D(2004, 7, 1), D(2005, 6, 30)),
        ("2004Oct", D(2004, 10, 1), D(2005, 9, 30)),
        ("2004Nov", D(2004, 11, 1), D(2005, 10, 31)),
    ],
)
def test_documented_periods(text: str, first: date, last: date) -> None:
    assert parse_period(text) == (first, last)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024W54",
        "2021W53",
        "2024W0",
        "20240230",
        "202413",
        "202407B",
        "2024Q5",
        "2024S3",
        "2024March",
        "2024-01",
        "x2024",
        "2024W5\x00",
        "9999W52",
        "0000W1",
        "2024BiW27",
        "٢٠٢٤",
    ],
)
def test_what_is_not_a_period(text: str) -> None:
    assert parse_period(text) is None


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)))
def test_iso_weeks_agree_with_the_iso_calendar(day: date) -> None:
    year, week, _ = day.isocalendar()
    monday = date.fromisocalendar(year, week, 1)
    assert parse_period(f"{year}W{week}") == (monday, monday + timedelta(days=6))
    assert to_dhis2(monday, monday + timedelta(days=6)) == f"{year}W{week}"
    assert parse_period(to_dhis2(day, day) or "") == (day, day)


def test_adx_intervals() -> None:
    assert parse_interval("2024-01-29/P1W") == (D(2024, 1, 29), D(2024, 2, 4))
    assert parse_interval("2024-02-01/P1M") == (D(2024, 2, 1), D(2024, 2, 29))
    assert parse_interval("2024-01-01/P1Y") == (D(2024, 1, 1), D(2024, 12, 31))
    assert parse_interval("2024-01-15/P1D") == (D(2024, 1, 15), D(2024, 1, 15))
    for bad in ("2024-01-29", "2024-01-29/P0W", "2024-01-15/P1M", "2024-13-01/P1D", "x/P1D"):
        assert parse_interval(bad) is None
    assert to_interval(D(2024, 2, 1), D(2024, 2, 29)) == "2024-02-01/P1M"
    assert to_interval(D(2024, 1, 29), D(2024, 2, 4)) == "2024-01-29/P1W"
