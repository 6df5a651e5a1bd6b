"""Reading SDMX keys and periods, and our codes as SDMX codes and back (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from epibridge.errors import DomainError
from epibridge.gateways.sdmx import codes
from epibridge.gateways.sdmx.query import parse_key, period_bound


@pytest.mark.parametrize(
    ("value", "code", "back"),
    [
        (codes.age_code, "0-4", "Y0T4"),
        (codes.age_code, "65+", "Y_GE65"),
        (codes.age_code, "<1", "Y_LT1"),
        (codes.age_code, "", "_T"),
        (codes.disease_code, "U07.1", "U071"),
        (codes.disease_code, "A98.4", "A984"),
        (codes.disease_code, "J11", "J11"),
        (codes.disease_code, "unknown", "_U"),
        (codes.classification_code, "all", "_T"),
        (codes.classification_code, "confirmed", "CONFIRMED"),
        (codes.area_code, "", "_Z"),
    ],
)
def test_codes_are_sdmx_ids_that_translate_back(value, code: str, back: str) -> None:
    assert value(code) == back and codes.is_id(back)
    reverse = {
        codes.age_code: codes.age_value,
        codes.disease_code: codes.disease_value,
        codes.classification_code: codes.classification_value,
        codes.area_code: codes.area_value,
    }[value]
    assert reverse(back) == code


def test_keys_read_wildcards_and_several_codes() -> None:
    assert parse_key("all") == [None] * 8
    wanted = parse_key("w.KAZ+uzb..J11...._T")
    assert wanted[0] == {"W"} and wanted[1] == {"KAZ", "UZB"} and wanted[3] == {"J11"}
    assert wanted[2] is None and wanted[7] == {"_T"}


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("W.KAZ", "key"),
        ("Q.KAZ......", "key.FREQ"),
        ("W.KAZ+......", "key.REF_AREA"),
        ("W..KZ.....", "key.AREA"),
        ("W..kz_75.....", "key.AREA"),
        ("W...U07.1....", "key"),
        ("W...Z99....", "key.DISEASE"),
        ("W....COUNTS...", "key.METRIC"),
        ("W......65+.", "key.AGE"),
        ("W.......X", "key.SEX"),
    ],
)
def test_bad_keys_name_the_dimension(key: str, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_key(key)
    assert refused.value.status == 400 and refused.value.errors[0].field == field


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-S2", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-W05", date(2024, 1, 29), date(2024, 2, 4)),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
        ("2024-01-15", date(2024, 1, 15), date(2024, 1, 15)),
    ],
)
def test_periods_are_read_as_sdmx_writes_them(text: str, first: date, last: date) -> None:
    assert period_bound(text, "startPeriod", last=False) == first
    assert period_bound(text, "endPeriod", last=True) == last


@pytest.mark.parametrize("text", ["2024-13", "2024-W54", "2024-02-30", "24", "2024-Q5", "soon"])
def test_bad_periods_name_the_parameter(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        period_bound(text, "startPeriod", last=False)
    assert refused.value.errors[0].field == "startPeriod"
