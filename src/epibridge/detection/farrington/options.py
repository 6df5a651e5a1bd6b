"""``farringtonFlexible`` control options, with R's names and defaults, and presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from epibridge.detection.validation import check_choice

PowerTrans = Literal["2/3", "1/2", "none"]
ThresholdMethod = Literal["delta", "nbPlugin", "muan"]
ReferenceBy = Literal["index", "date"]


@dataclass(frozen=True)
class FarringtonOptions:
    """Defaults are those of ``surveillance::farringtonFlexible`` itself.

    ``pastWeeksNotIncluded=None`` means ``w`` (as in R). ``reference_by`` is
    not an R option: R picks index or date mode from the ``sts`` object's
    ``epochAsDate``; here it is explicit.
    """

    b: int = 5
    w: int = 3
    reweight: bool = True
    weightsThreshold: float = 2.58
    alpha: float = 0.05
    trend: bool = True
    pThresholdTrend: float = 0.05
    limit54: tuple[int, int] = (5, 4)
    powertrans: PowerTrans = "2/3"
    noPeriods: int = 1
    pastWeeksNotIncluded: int | None = None
    thresholdMethod: ThresholdMethod = "delta"
    reference_by: ReferenceBy = "index"

    def __post_init__(self) -> None:
        check_choice("powertrans", self.powertrans, ("2/3", "1/2", "none"))
        check_choice("thresholdMethod", self.thresholdMethod, ("delta", "nbPlugin", "muan"))
        check_choice("reference_by", self.reference_by, ("index", "date"))
        if self.b < 1 or self.w < 0:
            raise ValueError(f"need b >= 1 and w >= 0, got b={self.b}, w={self.w}")
        if self.noPeriods < 1:
            raise ValueError(f"noPeriods must be >= 1, got {self.noPeriods}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if len(self.limit54) != 2 or not (self.limit54[0] >= 0 and self.limit54[1] > 0):
            raise ValueError("The limit54 arguments are out of bounds: cases >= 0 and period > 0.")
        if self.pastWeeksNotIncluded is not None and self.pastWeeksNotIncluded < 0:
            raise ValueError("pastWeeksNotIncluded must be >= 0")

    @property
    def past_excluded(self) -> int:
        return self.w if self.pastWeeksNotIncluded is None else self.pastWeeksNotIncluded

    def with_overrides(self, **overrides: Any) -> FarringtonOptions:
        """Copy with some options replaced; unknown names are an error, not ignored."""
        unknown = set(overrides) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown farringtonFlexible option(s): {', '.join(sorted(unknown))}")
        if "limit54" in overrides:
            overrides["limit54"] = tuple(overrides["limit54"])
        return replace(self, **overrides)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Farrington et al. (1996) as in ``algo.farrington``: alpha 0.01, threshold on
#: the 2/3-power scale, weights from a residual threshold of 1, no past blocks.
FARRINGTON_1996 = FarringtonOptions(weightsThreshold=1.0, alpha=0.01)

#: Noufaily et al. (2013): 10 seasonal blocks, 26 recent weeks left out,
#: negative-binomial plug-in threshold.
NOUFAILY_2013 = FarringtonOptions(
    weightsThreshold=2.58,
    alpha=0.01,
    noPeriods=10,
    pastWeeksNotIncluded=26,
    thresholdMethod="nbPlugin",
)
