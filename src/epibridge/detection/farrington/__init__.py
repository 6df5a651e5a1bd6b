"""farringtonFlexible (surveillance 1.20.3) as batched NumPy code."""

from epibridge.detection.farrington.core import farrington, farrington_flexible, noufaily
from epibridge.detection.farrington.options import (
    FARRINGTON_1996,
    NOUFAILY_2013,
    FarringtonOptions,
)

__all__ = [
    "FARRINGTON_1996",
    "NOUFAILY_2013",
    "FarringtonOptions",
    "farrington",
    "farrington_flexible",
    "noufaily",
]
