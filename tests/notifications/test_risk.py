"""WHO rapid risk assessment matrix and the Secretariat's consolidation rule."""

from __future__ import annotations

import pytest

from epibridge.notifications.risk import (
    COLOURS,
    MATRIX,
    SECRETARIAT,
    Assessment,
    Consequence,
    Likelihood,
    RiskLevel,
    assess,
    consolidate,
)

# The figure, row by row (almost certain first), columns minimal .. severe.
FIGURE = """
almost_certain  moderate high     high     very_high very_high
highly_likely   moderate moderate high     very_high very_high
likely          low      moderate high     high      very_high
unlikely        low      low      moderate high      high
very_unlikely   low      low      moderate moderate  high
"""


def test_matrix_matches_the_figure() -> None:
    rows = [line.split() for line in FIGURE.strip().splitlines()]
    assert len(MATRIX) == 25
    for row in rows:
        likelihood = Likelihood(row[0])
        for consequence, level in zip(Consequence, row[1:], strict=True):
            assert MATRIX[(likelihood, consequence)] is RiskLevel(level)


def test_matrix_is_monotone() -> None:
    """More likely or more severe never lowers the risk."""
    for lik in Likelihood:
        for con in Consequence:
            level = MATRIX[(lik, con)].rank
            for lik2 in Likelihood:
                for con2 in Consequence:
                    if lik2.rank >= lik.rank and con2.rank >= con.rank:
                        assert MATRIX[(lik2, con2)].rank >= level


def test_corners() -> None:
    assert assess("very_unlikely", "minimal") is RiskLevel.LOW
    assert assess(Likelihood.ALMOST_CERTAIN, Consequence.SEVERE) is RiskLevel.VERY_HIGH


def test_ranks() -> None:
    assert Likelihood.ALMOST_CERTAIN.rank == 5 and Likelihood.VERY_UNLIKELY.rank == 1
    assert Consequence.MINIMAL.rank == 1 and Consequence.SEVERE.rank == 5
    assert [lv.rank for lv in RiskLevel] == [0, 1, 2, 3]


def test_colours() -> None:
    assert {name for name, _ in COLOURS.values()} == {"green", "yellow", "orange", "red"}
    assert COLOURS[RiskLevel.VERY_HIGH][0] == "red"
    assert all(hexv.startswith("#") and len(hexv) == 7 for _, hexv in COLOURS.values())


def test_bad_names() -> None:
    with pytest.raises(ValueError, match="unknown likelihood 'certain'"):
        assess("certain", "minor")
    with pytest.raises(ValueError, match="unknown consequence 'catastrophic'"):
        assess("likely", "catastrophic")
    with pytest.raises(ValueError):
        Assessment("KZ", "sure", "minor")  # type: ignore[arg-type]


def test_consolidate_takes_the_highest_member_level() -> None:
    items = [
        Assessment("KZ", Likelihood.UNLIKELY, Consequence.MINOR),  # low
        Assessment("CN", Likelihood.LIKELY, Consequence.MAJOR),  # high
        Assessment("RU", Likelihood.LIKELY, Consequence.MINOR),  # moderate
    ]
    assert consolidate(items) is RiskLevel.HIGH


def test_consolidate_prefers_the_secretariat() -> None:
    items = [
        Assessment("CN", "almost_certain", "severe"),  # very high
        Assessment(SECRETARIAT, "likely", "minor"),  # moderate
    ]
    assert consolidate(items) is RiskLevel.MODERATE
    items.append(Assessment("Secretariat", "likely", "moderate"))  # high; case-insensitive
    assert consolidate(items) is RiskLevel.HIGH


def test_consolidate_nothing() -> None:
    assert consolidate([]) is None
    assert consolidate(iter([Assessment("IN", "likely", "moderate")])) is RiskLevel.HIGH
