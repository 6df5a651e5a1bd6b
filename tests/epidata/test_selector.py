"""The series selector: one checked value, with every bad field named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import InvalidInput

SELECTED = SeriesSelector(
    "A09",
    states=("KGZ",),
    metric="deaths",
    classification="confirmed",
    area="KG-C",
    age_group="0-4",
    sex="female",
    granularity="month",
    start=date(2024, 2, 1),
    end=date(2024, 3, 31),
    as_of=datetime(2024, 6, 5, 12, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"disease": "cholera"}, ["disease"]),
        ({"metric": "sneezes", "classification": "maybe"}, ["metric", "classification"]),
        ({"age_group": "old", "sex": "f"}, ["age_group", "sex"]),
        ({"granularity": "year"}, ["granularity"]),
        ({"start": date(2024, 3, 1), "end": date(2024, 2, 1)}, ["end"]),
        ({"start": "2024-03-01", "as_of": "yesterday"}, ["start", "as_of"]),
    ],
)
def test_a_bad_selector_names_each_bad_field(changes: dict[str, Any], named: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        replace(SELECTED, **changes)
    assert [e.field for e in caught.value.errors] == named


def test_the_selector_normalizes_once() -> None:
    selector = SeriesSelector(
        "a09", states=("KGZ,KAZ", " RUS "), area="kg-c", sex="Female", as_of=datetime(2024, 6, 5)
    )
    assert selector.disease == "A09" and selector.states == ("KGZ", "KAZ", "RUS")
    assert selector.area == "KG-C" and selector.sex == "female"
    assert selector.as_of == datetime(2024, 6, 5, tzinfo=UTC)  # no offset: UTC
    assert replace(selector) == selector  # checking a checked selector changes nothing
    with pytest.raises(InvalidInput) as caught:
        selector.one_state()
    assert caught.value.errors[0].field == "state"
    with pytest.raises(InvalidInput) as refused:
        SELECTED.refuse(["granularity", "as_of", "area"], "not used here")
    assert [e.field for e in refused.value.errors] == ["granularity", "as_of", "area"]
