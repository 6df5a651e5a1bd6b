"""Rapid risk assessment: the WHO 5x5 likelihood x consequence risk matrix.

Source: World Health Organization, *Rapid Risk Assessment of Acute Public Health Events*,
WHO/HSE/GAR/ARO/2012.1, Geneva, 2012 — section "Risk characterization", Figure 4 ("Risk matrix")
and its table of risk levels and the actions they call for (low / moderate / high / very high risk).

The matrix is kept as data (``MATRIX``) so that it can be reviewed cell by cell against the figure
and shown as-is in the UI; the colours are the manual's traffic-light scheme (green, yellow,
orange, red), the hex values are epibridge's rendering of them.

Why a consolidation rule: several member states may assess the same event; the Secretariat needs a
single organisation-wide level. The rule (``consolidate``) is: the Secretariat's own assessment
wins when there is one, because it is the body that coordinates the response and has seen all the
members' assessments; otherwise the highest level assessed by any member is used, because
under-rating a shared threat costs more than over-rating it (the manual's precautionary principle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "COLOURS",
    "MATRIX",
    "SECRETARIAT",
    "Assessment",
    "Consequence",
    "Likelihood",
    "RiskLevel",
    "assess",
    "consolidate",
]


class Likelihood(StrEnum):
    """WHO likelihood scale, most to least likely (rank 5 .. 1)."""

    ALMOST_CERTAIN = "almost_certain"
    HIGHLY_LIKELY = "highly_likely"
    LIKELY = "likely"
    UNLIKELY = "unlikely"
    VERY_UNLIKELY = "very_unlikely"

    @property
    def rank(self) -> int:
        """Return 5 for almost certain down to 1 for very unlikely (the manual's numbering)."""
        return 5 - list(Likelihood).index(self)


class Consequence(StrEnum):
    """WHO consequence scale, least to most severe (rank 1 .. 5)."""

    MINIMAL = "minimal"
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        """Return 1 for minimal up to 5 for severe."""
        return list(Consequence).index(self) + 1


class RiskLevel(StrEnum):
    """Overall risk; declaration order is severity order, so levels can be compared by rank."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def rank(self) -> int:
        """Return 0 (low) .. 3 (very high) so that ``max`` picks the most severe level."""
        return list(RiskLevel).index(self)


_L, _M, _H, _V = RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.VERY_HIGH

# Rows: likelihood (almost certain first, as in the figure); columns: consequence minimal..severe.
_ROWS: dict[Likelihood, tuple[RiskLevel, RiskLevel, RiskLevel, RiskLevel, RiskLevel]] = {
    Likelihood.ALMOST_CERTAIN: (_M, _H, _H, _V, _V),
    Likelihood.HIGHLY_LIKELY: (_M, _M, _H, _V, _V),
    Likelihood.LIKELY: (_L, _M, _H, _H, _V),
    Likelihood.UNLIKELY: (_L, _L, _M, _H, _H),
    Likelihood.VERY_UNLIKELY: (_L, _L, _M, _M, _H),
}

MATRIX: Mapping[tuple[Likelihood, Consequence], RiskLevel] = MappingProxyType(
    {
        (likelihood, consequence): row[consequence.rank - 1]
        for likelihood, row in _ROWS.items()
        for consequence in Consequence
    }
)
"""The 25 cells of the WHO risk matrix, keyed by (likelihood, consequence)."""

COLOURS: Mapping[RiskLevel, tuple[str, str]] = MappingProxyType(
    {
        RiskLevel.LOW: ("green", "#00B050"),
        RiskLevel.MODERATE: ("yellow", "#FFFF00"),
        RiskLevel.HIGH: ("orange", "#FFC000"),
        RiskLevel.VERY_HIGH: ("red", "#FF0000"),
    }
)
"""Colour name and hex value of each risk level in the WHO matrix."""

SECRETARIAT = "secretariat"
"""The ``assessor`` value that marks the Secretariat's own assessment in ``consolidate``."""


def assess(likelihood: Likelihood | str, consequence: Consequence | str) -> RiskLevel:
    """Return the matrix cell; accepts enum members or their string values."""
    try:
        lik = Likelihood(likelihood)
    except ValueError:
        allowed = ", ".join(m.value for m in Likelihood)
        raise ValueError(f"unknown likelihood {likelihood!r}; expected one of {allowed}") from None
    try:
        con = Consequence(consequence)
    except ValueError:
        allowed = ", ".join(m.value for m in Consequence)
        raise ValueError(
            f"unknown consequence {consequence!r}; expected one of {allowed}"
        ) from None
    return MATRIX[(lik, con)]


@dataclass(frozen=True, slots=True)
class Assessment:
    """One assessor's rapid risk assessment of an event.

    ``assessor`` is a member state's ISO 3166-1 alpha-2 code, or ``SECRETARIAT``.
    """

    assessor: str
    likelihood: Likelihood
    consequence: Consequence

    def __post_init__(self) -> None:
        object.__setattr__(self, "likelihood", Likelihood(self.likelihood))
        object.__setattr__(self, "consequence", Consequence(self.consequence))

    @property
    def level(self) -> RiskLevel:
        """Return the matrix level of this assessment."""
        return MATRIX[(self.likelihood, self.consequence)]


def consolidate(assessments: Iterable[Assessment]) -> RiskLevel | None:
    """Return the organisation-wide level (see the module docstring for the rule).

    Returns ``None`` when there is nothing to consolidate. If the Secretariat assessed the event
    more than once, its most severe assessment is used.
    """
    items = list(assessments)
    if not items:
        return None
    own = [a.level for a in items if a.assessor.strip().lower() == SECRETARIAT]
    pool = own or [a.level for a in items]
    return max(pool, key=lambda level: level.rank)
