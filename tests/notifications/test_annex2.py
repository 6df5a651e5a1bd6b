"""IHR (2005) Annex 2: every rule, the unknown-answer logic, and the 24-hour deadline."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from epibridge.notifications.annex2 import QUESTIONS, deadline, decide, is_overdue
from epibridge.notifications.diseases import (
    DISEASES,
    disease_name,
    is_valid_icd10,
    validate_disease_code,
)

KEYS = tuple(QUESTIONS)


def answers(*values: bool | None) -> dict[str, bool | None]:
    return dict(zip(KEYS, values, strict=True))


NO = answers(False, False, False, False)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("B03", "smallpox"),
        ("A80.1", "wild-type poliovirus"),
        ("A80.2", "wild-type poliovirus"),
        ("A80", "wild-type poliovirus"),
        ("a80.9", "wild-type poliovirus"),
        ("J09", "new subtype"),
        ("U04", "SARS"),
        ("U04.9", "SARS"),
    ],
)
def test_always_notifiable_whatever_the_answers(code: str, label: str) -> None:
    for values in itertools.product([True, False, None], repeat=4):
        result = decide(code, **answers(*values))
        assert result.outcome == "notify"
        assert result.rule == "always_notifiable"
        assert result.always_notifiable and not result.always_assess
        assert label in result.reason


def test_vaccine_associated_polio_goes_through_the_algorithm() -> None:
    result = decide("A80.0", **NO)
    assert not result.always_notifiable
    assert result.outcome == "not_notifiable"
    assert decide("A80.0", **answers(True, True, False, False)).outcome == "notify"


@pytest.mark.parametrize(
    "code",
    [
        "A00",
        "A00.1",
        "A20.2",
        "A95",
        "A98.4",
        "A98.3",
        "A96.2",
        "A98.0",
        "A99",
        "A92.3",
        "A90",
        "A91",
        "A97",
        "A92.4",
        "A39",
        "A39.0",
    ],
)
def test_always_assess_diseases_still_need_two_criteria(code: str) -> None:
    result = decide(code, **NO)
    assert result.always_assess and not result.always_notifiable
    assert result.outcome == "not_notifiable"
    assert decide(code, **answers(True, None, True, None)).outcome == "notify"


@pytest.mark.parametrize("code", ["A20", "A20.0", "A92.0", "B05", "unknown", "UNKNOWN"])
def test_ordinary_diseases(code: str) -> None:
    result = decide(code, **NO)
    assert not result.always_assess and not result.always_notifiable
    assert result.disease == code.upper() if code.lower() != "unknown" else "unknown"


@pytest.mark.parametrize("values", list(itertools.product([True, False], repeat=4)))
def test_any_two_yes_means_notify(values: tuple[bool, ...]) -> None:
    result = decide("B05", **answers(*values))
    expected = "notify" if sum(values) >= 2 else "not_notifiable"
    assert result.outcome == expected
    assert result.rule == ("two_criteria_met" if sum(values) >= 2 else "fewer_than_two_criteria")
    assert len(result.criteria_met) == sum(values)


@pytest.mark.parametrize("values", list(itertools.product([True, False, None], repeat=4)))
def test_unknown_answers_only_matter_when_they_could_change_the_outcome(
    values: tuple[bool | None, ...],
) -> None:
    yes = sum(v is True for v in values)
    unknown = sum(v is None for v in values)
    result = decide("B05", **answers(*values))
    if yes >= 2:
        assert result.outcome == "notify"
    elif yes + unknown < 2:
        assert result.outcome == "not_notifiable"
    else:
        assert result.outcome == "insufficient_information"
        assert result.rule == "undecided"
        assert set(result.criteria_unknown) <= set(KEYS) and result.criteria_unknown
    # the outcome never contradicts any completion of the unknown answers
    completions = {
        "notify" if sum(v is True for v in filled) >= 2 else "not_notifiable"
        for filled in itertools.product(*[[v] if v is not None else [True, False] for v in values])
    }
    if len(completions) == 1:
        assert result.outcome == completions.pop()


def test_reason_names_the_criteria() -> None:
    result = decide("A00", **answers(True, None, True, False))
    assert "serious_impact" in result.reason and "international_spread" in result.reason
    undecided = decide("B05", **answers(True, None, False, False))
    assert "unusual" in undecided.reason
    assert "reassess" in decide("B05", **NO).reason


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="not an ICD-10 code"):
        decide("cholera", **NO)
    with pytest.raises(ValueError, match="infectious-disease code"):
        decide("I21", **NO)
    with pytest.raises(ValueError, match="serious_impact"):
        decide("A00", **answers("yes", False, False, False))  # type: ignore[arg-type]


ASSESSED = datetime(2024, 5, 21, 10, 0, tzinfo=UTC)


def test_deadline_is_24_hours_after_assessment() -> None:
    assert deadline(ASSESSED) == datetime(2024, 5, 22, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2024, 5, 21, 10, 0))


def test_is_overdue() -> None:
    limit = ASSESSED + timedelta(hours=24)
    # notified in time / exactly at the limit / late
    assert not is_overdue(ASSESSED, ASSESSED + timedelta(hours=3), limit + timedelta(days=9))
    assert not is_overdue(ASSESSED, limit, limit + timedelta(days=9))
    assert is_overdue(ASSESSED, limit + timedelta(seconds=1), limit)
    # not yet notified: depends on now
    assert not is_overdue(ASSESSED, None, limit)
    assert is_overdue(ASSESSED, None, limit + timedelta(minutes=1))
    with pytest.raises(ValueError, match="now"):
        is_overdue(ASSESSED, None, datetime(2024, 5, 23))


# --- diseases.py: the ICD-10 table behind the disease field ----------------------------------


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("a00", "A00"),
        (" A98.4 ", "A98.4"),
        ("u07.1", "U07.1"),
        ("Unknown", "unknown"),
        ("B99", "B99"),
        ("J18.9", "J18.9"),
        ("A15.0", "A15.0"),
        ("U04.9", "U04.9"),
        ("A00.1A", "A00.1A"),
    ],
)
def test_validate_disease_code_normalises(raw: str, norm: str) -> None:
    assert validate_disease_code(raw) == norm
    assert is_valid_icd10(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "not an ICD-10 code"),
        ("cholera", "not an ICD-10 code"),
        ("A0", "not an ICD-10 code"),
        ("A00.", "not an ICD-10 code"),
        ("A00.123", "not an ICD-10 code"),
        ("1A00", "not an ICD-10 code"),
        ("C50", "infectious-disease code"),
        ("J20", "infectious-disease code"),
        ("J08", "infectious-disease code"),
        ("U05", "infectious-disease code"),
        ("Z20.8", "infectious-disease code"),
    ],
)
def test_validate_disease_code_refuses(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_disease_code(raw)


def test_validate_disease_code_refuses_non_strings() -> None:
    with pytest.raises(ValueError, match="string"):
        validate_disease_code(None)  # type: ignore[arg-type]


def test_table_codes_are_well_formed_and_named_in_three_languages() -> None:
    for code, row in DISEASES.items():
        assert validate_disease_code(code) == code == row.code
        assert row.en and row.ru and row.zh
        assert any("\u0400" <= ch <= "\u04ff" for ch in row.ru) or row.ru.startswith("COVID")
    for required in [
        "A00",
        "A01",
        "A20",
        "A22",
        "A36",
        "A37",
        "A39",
        "A80",
        "A82",
        "A90",
        "A91",
        "A92.3",
        "A95",
        "A96.2",
        "A98.0",
        "A98.3",
        "A98.4",
        "B01",
        "B03",
        "B04",
        "B05",
        "B06",
        "B15",
        "B16",
        "B17",
        "B50",
        "B54",
        "J09",
        "J10",
        "J11",
        "U04",
        "U07.1",
        "A15",
        "A19",
        "A03",
        "A02",
        "A04",
        "A08",
        "A08.0",
        "A09",
        "A27",
        "A75",
        "A83",
        "A84",
        "A86",
        "B26",
    ]:
        assert required in DISEASES, required


def test_disease_name() -> None:
    assert disease_name("a00") == "Cholera"
    assert disease_name("A00", "ru") == "Холера"
    assert disease_name("A00", "zh-CN") == "霍乱"
    assert disease_name("A98.4", "ru-RU") == "Болезнь, вызванная вирусом Эбола"
    assert disease_name("A00", "kk") == "Cholera"  # other languages fall back to English
    assert disease_name("A00.1") == "Cholera"  # falls back to the category
    assert disease_name("A21") is None  # valid (tularaemia) but not curated
    assert disease_name("unknown", "zh") == "未知疾病"
    with pytest.raises(ValueError):
        disease_name("X99")
