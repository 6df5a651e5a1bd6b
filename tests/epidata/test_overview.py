"""The dashboard's figures (``epidata.overview``) against values computed by hand, on both backends.

The day is Wednesday 2024-03-20: its window is the twelve ISO weeks from Monday 2024-01-01 to
the week of 2024-03-18, and the member states that day are nine (Belarus joined in July 2024).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.epidata import overview
from epibridge.epidata.overview import Trend
from epibridge.security import PermissionDenied, Principal, Role
from tests.epidata.helpers import csv_of, submit

DAY = date(2024, 3, 20)
MONDAYS = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(12)]
FP_RUS = Principal(1, "fp-rus", Role.FOCAL_POINT, "RUS")
OBSERVER = Principal(2, "obs", Role.OBSERVER, "MNG")
#: 2024 total populations shipped with the package (population_wpp2024.csv).
KAZ_2024, RUS_2024 = 20_592_571, 144_820_423


def _weeks(
    state: str, disease: str, values: list[int | None], classification: str = "all"
) -> list[str]:
    """Whole-state weekly cases from 2024-01-01; a None is an empty ("not reported") value."""
    return [
        f"{state},,{disease},cases,{classification},{m},{m + timedelta(days=6)},"
        + ("" if v is None else str(v))
        for m, v in zip(MONDAYS, values, strict=True)
    ]


def _load(sessions: sessionmaker[Session]) -> None:
    kaz_flu = [100] * 11 + [90]
    submit(
        sessions,
        csv_of(
            *_weeks("KAZ", "B05", [5] * 4 + [10] * 4 + [20, 20, None, 20]),
            *_weeks("KAZ", "J11", kaz_flu),
        ),
        state="KAZ",
    )
    # A revision: KAZ's last week of influenza was 90 and is now 100; only the current value counts.
    submit(sessions, csv_of(*_weeks("KAZ", "J11", [100] * 12)[-1:]), state="KAZ")
    submit(
        sessions,
        csv_of(
            *_weeks("RUS", "J11", [100] * 8 + [70] * 4),
            *_weeks("RUS", "B05", [1] * 8 + [1, 2, 1, 2]),
        ),
        state="RUS",
    )
    # Kyrgyzstan reports only the last four weeks (synthetic data).
    kgz = _weeks("KGZ", "A09", [0] * 8 + [3, 3, 3, 3])[8:]
    submit(sessions, csv_of(*kgz), state="KGZ", synthetic=True)
    # Pakistan reports March as one month: it covers the weeks of 26 Feb to 18 March.
    submit(sessions, csv_of("PAK,,A00,cases,all,2024-03-01,2024-03-31,7"), state="PAK")
    # Tajikistan sent rows without values: "not reported", so it did not report.
    submit(
        sessions,
        csv_of(
            f"TJK,,A09,cases,all,{MONDAYS[-1]},{MONDAYS[-1] + timedelta(days=6)},",
            f"TJK,,A03,cases,all,{MONDAYS[-1]},{MONDAYS[-1] + timedelta(days=6)},",
        ),
        state="TJK",
    )
    # Uzbekistan reported confirmed cases only: it reported the week, but not the "all" series.
    submit(
        sessions, csv_of(*_weeks("UZB", "J11", [None] * 11 + [50], "confirmed")[-1:]), state="UZB"
    )


def test_overview_figures_are_the_hand_computed_ones(sessions: sessionmaker[Session]) -> None:
    _load(sessions)
    with read_session(sessions) as session:
        found = overview.overview(session, principal=FP_RUS, on=DAY)
        measles = overview.overview(session, principal=FP_RUS, on=DAY, disease="b05")
        listed = overview.diseases_with_data(session, principal=FP_RUS)
    assert found.weeks == MONDAYS
    assert found.recent_weeks == MONDAYS[-4:]
    # Cases in the window: influenza 1200 + 1080, measles 120 + 14, gastroenteritis 12; the
    # monthly cholera of Pakistan ends after the window, so it is no main disease.
    assert found.diseases == ["J11", "B05", "A09"]
    assert found.rate_disease == "J11"
    assert [f.state for f in found.states] == [
        "CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB",
    ]  # fmt: skip
    by_state = {f.state: f for f in found.states}

    kaz_flu, kaz_measles, kaz_gastro = by_state["KAZ"].diseases
    assert kaz_flu.values == [100] * 12  # the revised value, not the 90 first sent
    assert (kaz_flu.recent, kaz_flu.previous, kaz_flu.trend) == (100, 100, Trend.FLAT)
    assert kaz_measles.values == [5] * 4 + [10] * 4 + [20, 20, None, 20]
    assert (kaz_measles.recent, kaz_measles.previous, kaz_measles.trend) == (20, 10, Trend.UP)
    assert kaz_gastro.values == [None] * 12 and kaz_gastro.trend == Trend.UNKNOWN
    rus_flu, rus_measles, _ = by_state["RUS"].diseases
    assert (rus_flu.recent, rus_flu.previous, rus_flu.trend) == (70, 100, Trend.DOWN)
    # 1.5 against 1 a week: half a case more is no trend.
    assert (rus_measles.recent, rus_measles.previous, rus_measles.trend) == (1.5, 1, Trend.FLAT)
    kgz_gastro = by_state["KGZ"].diseases[2]
    assert kgz_gastro.values == [None] * 8 + [3] * 4
    assert (kgz_gastro.recent, kgz_gastro.previous, kgz_gastro.trend) == (3, None, Trend.UNKNOWN)
    assert kgz_gastro.synthetic and not kaz_flu.synthetic and found.synthetic

    # Rates of influenza: the mean of the last four weeks per 100,000 (2024 populations).
    assert by_state["KAZ"].rate.rate == pytest.approx(100 * 100_000 / KAZ_2024)
    assert by_state["KAZ"].rate.rate == pytest.approx(0.485612, abs=1e-6)
    assert by_state["KAZ"].rate.population == KAZ_2024
    assert by_state["KAZ"].rate.population_year == 2024
    assert by_state["RUS"].rate.rate == pytest.approx(0.048336, abs=1e-6)
    assert by_state["RUS"].rate.weeks_reported == 4
    assert by_state["CHN"].rate.rate is None and by_state["CHN"].rate.weeks_reported == 0
    # Uzbekistan's confirmed cases are not the "all" series: no rate.
    assert by_state["UZB"].rate.rate is None
    # Measles chosen: Kazakhstan's three reported weeks of 20 make a mean of 20.
    kaz_rate = {f.state: f.rate for f in measles.states}["KAZ"]
    assert measles.rate_disease == "B05" and measles.diseases == found.diseases
    assert (kaz_rate.mean, kaz_rate.weeks_reported) == (20, 3)
    assert kaz_rate.rate == pytest.approx(0.097122, abs=1e-6)

    # Reporting: KAZ and RUS every week, KGZ the last four, PAK the four weeks its month
    # overlaps, UZB the last week (any series counts), TJK never (empty values only).
    reported = {f.state: [i + 1 for i, r in enumerate(f.reported) if r] for f in found.states}
    assert reported == {
        "CHN": [], "IND": [], "IRN": [], "KAZ": list(range(1, 13)), "KGZ": [9, 10, 11, 12],
        "PAK": [9, 10, 11, 12], "RUS": list(range(1, 13)), "TJK": [], "UZB": [12],
    }  # fmt: skip
    assert found.reported_share[-1] == pytest.approx(5 / 9)
    assert found.reported_share[8] == pytest.approx(4 / 9)
    assert found.reported_share[0] == pytest.approx(2 / 9)
    # The picker lists the codes with a value: not TJK's A03, which has none.
    assert listed == ["A00", "A09", "B05", "J11"]


def test_a_day_without_data_has_no_main_disease_and_no_reporting(
    sessions: sessionmaker[Session],
) -> None:
    with read_session(sessions) as session:
        found = overview.overview(session, principal=FP_RUS, on=DAY)
        with pytest.raises(PermissionDenied):
            overview.overview(session, principal=OBSERVER, on=DAY)
        with pytest.raises(PermissionDenied):
            overview.diseases_with_data(session, principal=OBSERVER)
    assert found.diseases == [] and found.rate_disease is None and not found.synthetic
    assert all(f.diseases == [] and not any(f.reported) for f in found.states)
    assert all(f.rate.rate is None for f in found.states)
    assert found.reported_share == [0.0] * 12


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10] * 4 + [13] * 4, Trend.UP),  # +30 %, 3 a week
        ([10] * 4 + [12] * 4, Trend.FLAT),  # +20 % is within the band
        ([10] * 4 + [7] * 4, Trend.DOWN),
        ([0] * 4 + [1, 2, 1, 2], Trend.UP),  # from none to 1.5 a week
        ([0] * 4 + [0, 1, 0, 1], Trend.FLAT),  # half a case a week
        ([None] * 4 + [5] * 4, Trend.UNKNOWN),
        ([5, None, None, None, None, None, None, 9], Trend.UP),  # the weeks reported: 5 then 9
    ],
)
def test_trend_rule(values: list[int | None], expected: Trend) -> None:
    assert overview.trend(values)[2] == expected
